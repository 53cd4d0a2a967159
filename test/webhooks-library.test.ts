// The webhook deliverer as a library, in process, on each store: what each run's webhook says,
// retries and their waits, one holder per URL, and the store primitives it stands on.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY } from '../src/decisions/duration.js';
import { deliverWebhooks, openCache, type Cache, type WebhookEvent, type WebhookOptions } from '../src/index.js';
import { retryDelay } from '../src/webhooks/backoff.js';
import { until } from './harness.js';
import { STORES, freshStore, type StoreKind } from './stores.js';
import { signedBy, startReceiver } from './webhook-receiver.js';

const opened: Cache[] = [];
const stopping: AbortController[] = [];
afterEach(async () => {
  for (const controller of stopping.splice(0)) controller.abort();
  for (const cache of opened.splice(0)) await cache.close();
});

async function opening(location: string, now?: () => number): Promise<Cache> {
  const cache = await openCache(location, now === undefined ? {} : { now });
  opened.push(cache);
  return cache;
}

/** A deliverer running in the background on a cache of its own; `events` fills as it goes. */
async function delivering(location: string, options: Omit<WebhookOptions, 'signal'>) {
  const cache = await opening(location);
  const controller = new AbortController();
  stopping.push(controller);
  const events: WebhookEvent[] = [];
  const done = deliverWebhooks(cache, {
    retryDelay: 20,
    timeout: 2000,
    ...options,
    signal: controller.signal,
    onEvent: (event) => events.push(event),
  });
  await until(() => events.some((event) => event.type === 'started'), 'the deliverer to start');
  // Counted when the deliverer has the receiver's answer: a receiver that took a request may not have answered yet.
  const delivered = () => events.filter((event) => event.type === 'delivered').length;
  return {
    events,
    delivered,
    stop: async () => {
      controller.abort();
      await done;
    },
    done,
  };
}

const lines = (...records: object[]) => records.map((record) => JSON.stringify(record));

describe('the retry policy', () => {
  it('waits the base delay, then twice as long each time, up to the cap, each within ±20 %', () => {
    const cases: [number, number][] = [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [6, 32_000],
      [9, 60_000],
      [200, 60_000],
    ];
    for (const [failures, nominal] of cases) {
      expect(
        retryDelay(failures, { base: 1000, max: 60_000 }, () => 0.5),
        String(failures),
      ).toBe(nominal);
      expect(
        retryDelay(failures, { base: 1000, max: 60_000 }, () => 0),
        String(failures),
      ).toBe(nominal * 0.8);
      expect(retryDelay(failures, { base: 1000, max: 60_000 }, () => 0.999)).toBeLessThanOrEqual(Math.min(60_000, nominal * 1.2));
    }
  });
});

describe.each(STORES)('the webhook deliverer on %s', (kind: StoreKind) => {
  it("names each run's changes as Nango does: INITIAL first, INCREMENTAL after, a reset or an expiry as resync; prunes and unchanged runs send nothing", async () => {
    const location = await freshStore(kind);
    let clock = Date.parse('2026-03-01T00:00:00Z');
    const writer = await opening(location, () => clock);
    const receiver = await startReceiver();
    const deliverer = await delivering(location, { urls: [receiver.url()], signingKey: 'k3y', models: ['Contact', 'Deal::v2'] });
    const contact = { model: 'Contact' };
    await writer.save(contact, lines({ id: 1 }, { id: 2 }));
    clock += 1000;
    await writer.save(contact, lines({ id: 1, n: 1 }, { id: 2 }, { id: 3 }));
    await writer.save(contact, lines({ id: 1, n: 1 }));
    await writer.delete(contact, { ids: ['2'] });
    await writer.save({ model: 'Other' }, lines({ id: 1 }));
    await writer.save({ model: 'Deal::v2', connection: 'acme', integration: 'crm' }, lines({ id: 'd' }));
    await writer.reset(contact);
    await writer.save(contact, lines({ id: 9 }));
    clock += 31 * DAY;
    await writer.save({ model: 'Deal::v2', connection: 'acme', integration: 'crm' }, lines({ id: 'e' }));
    expect((await writer.prune({ payloadTtl: 30 * DAY, datasetTtl: 60 * DAY })).pruned).toBe(3);
    clock += 61 * DAY;
    expect((await writer.prune({ payloadTtl: 30 * DAY, datasetTtl: 60 * DAY })).datasetsExpired).toBe(3);
    await until(() => deliverer.delivered() === 9, 'every webhook');
    await deliverer.stop();

    const bodies = receiver.taken();
    const summary = bodies.map((body) =>
      body.type === 'sync'
        ? [body.model, body.syncType, body.responseResults.added, body.responseResults.updated, body.responseResults.deleted]
        : [body.model, body.reason],
    );
    expect(summary).toEqual([
      ['Contact', 'INITIAL', 2, 0, 0],
      ['Contact', 'INCREMENTAL', 1, 1, 0],
      ['Contact', 'INCREMENTAL', 0, 0, 1],
      ['Deal', 'INITIAL', 1, 0, 0],
      ['Contact', 'reset'],
      ['Contact', 'INITIAL', 1, 0, 0],
      ['Deal', 'INCREMENTAL', 1, 0, 0],
      ['Contact', 'expired'],
      ['Deal', 'expired'],
    ]);
    expect(bodies[3]).toMatchObject({ providerConfigKey: 'crm', connectionId: 'acme', syncName: 'Deal', syncVariant: 'v2' });
    expect(bodies[4]).toEqual({
      from: 'nango',
      type: 'resync',
      connectionId: 'default',
      providerConfigKey: 'default',
      syncName: 'Contact',
      syncVariant: 'base',
      model: 'Contact',
      reason: 'reset',
      resetAt: expect.stringMatching(/Z$/),
    });
    expect(bodies[1]!.modifiedAfter).toBe('2026-03-01T00:00:01.000Z');
    expect(bodies[1]!.queryTimeStamp).toBe(bodies[1]!.modifiedAfter);
    for (const request of receiver.requests) expect(signedBy(request, 'k3y')).toEqual({ hmac: true, legacy: true });
    expect(deliverer.events.filter((event) => event.type === 'delivered').map((event) => (event as { run: number }).run)).toEqual([
      1, 2, 4, 6, 7, 8, 9, 13, 15,
    ]);
  });

  it("reads the run's changes from GET /records' modifiedAfter: no change of the run is earlier", async () => {
    const location = await freshStore(kind);
    // Runs a second apart: times are kept to the millisecond, and two runs within one cannot be told apart.
    let clock = Date.parse('2026-03-01T00:00:00Z');
    const writer = await opening(location, () => clock);
    const receiver = await startReceiver();
    const deliverer = await delivering(location, { urls: [receiver.url()] });
    await writer.save({ model: 'M' }, lines({ id: 'a' }, { id: 'b' }));
    clock += 1000;
    await writer.save({ model: 'M' }, lines({ id: 'a', v: 2 }, { id: 'c' }));
    await until(() => deliverer.delivered() === 2, 'both runs');
    await deliverer.stop();
    const since = Date.parse(receiver.taken()[1]!.modifiedAfter);
    const read = [];
    for await (const record of writer.changes({ model: 'M' }, { modifiedAfter: since })) read.push(record.id);
    expect(read).toEqual(['a', 'c']);
  });

  it('retries with the configured delay, doubling, until the receiver takes it; a receiver that does not answer in time is a failure', async () => {
    const location = await freshStore(kind);
    const writer = await opening(location);
    const receiver = await startReceiver((_, n) => (n === 1 ? 'hang' : n <= 3 ? 502 : 200));
    const deliverer = await delivering(location, { urls: [receiver.url()], retryDelay: 40, timeout: 150 });
    await writer.save({ model: 'M' }, lines({ id: 'a' }));
    await until(() => deliverer.delivered() === 1, 'the delivery');
    await deliverer.stop();
    const failed = deliverer.events.filter((event) => event.type === 'failed') as Extract<WebhookEvent, { type: 'failed' }>[];
    expect(failed.map((event) => [event.error, event.failures])).toEqual([
      ['no answer within 0.15 s', 1],
      ['HTTP 502', 2],
      ['HTTP 502', 3],
    ]);
    failed.forEach((event, i) => {
      expect(event.retryIn).toBeGreaterThanOrEqual(40 * 2 ** i * 0.8);
      expect(event.retryIn).toBeLessThanOrEqual(40 * 2 ** i * 1.2);
    });
    const [state] = await writer.deliveries().list();
    expect(state).toMatchObject({ position: 1, backlog: 0, delivered: 1, failures: 3, attempts: 0, lastError: 'HTTP 502', holder: null });
  });

  it('two deliverers of one URL send each run once; when the holder stops, the other takes over from where it was', async () => {
    const location = await freshStore(kind);
    const writer = await opening(location);
    const receiver = await startReceiver();
    const first = await delivering(location, { urls: [receiver.url()] });
    await until(() => first.events.some((event) => event.type === 'holding'), 'the first to hold the URL');
    const second = await delivering(location, { urls: [receiver.url()] });
    await until(() => second.events.some((event) => event.type === 'waiting'), 'the second to wait');
    for (const id of ['a', 'b', 'c']) await writer.save({ model: 'M' }, lines({ id }));
    await until(() => first.delivered() === 3, 'three runs');
    await first.stop();
    await until(() => second.events.some((event) => event.type === 'holding'), 'the second to take over', 5000);
    for (const id of ['d', 'e']) await writer.save({ model: 'M' }, lines({ id }));
    await until(() => second.delivered() === 2, 'five runs');
    await second.stop();
    expect(receiver.requests.map((request) => request.json.responseResults.added)).toEqual([1, 1, 1, 1, 1]);
    expect(new Set(receiver.requests.map((request) => request.headers['idempotency-key'])).size).toBe(5);
    expect(second.events.find((event) => event.type === 'holding')).toMatchObject({ position: 3 });
  });

  it('refuses options it cannot use, naming them', async () => {
    const cache = await opening(await freshStore(kind));
    const cases: [Partial<WebhookOptions>, RegExp][] = [
      [{ urls: [] }, /^urls: must list at least one URL$/],
      [{ urls: ['mailto:x@example.com'] }, /^url: mailto:x@example\.com is not an http:\/\/ or https:\/\/ URL$/],
      [{ urls: ['http://127.0.0.1:1/'], timeout: 0 }, /^timeout: must be a number of milliseconds above 0, not 0$/],
      [{ urls: ['http://127.0.0.1:1/'], signingKey: '' }, /^signingKey: must be a non-empty string$/],
    ];
    for (const [options, message] of cases) await expect(deliverWebhooks(cache, options as WebhookOptions)).rejects.toThrow(message);
  });
});

describe.skipIf(!STORES.includes('postgres'))('the webhook deliverer on PostgreSQL, where runs are numbered before they commit', () => {
  /** A run numbered now and committed (or rolled back) later, as a writer finishing its commit is. */
  async function numberedRun(location: string) {
    const client = new pg.Client({ connectionString: location });
    // A test that fails leaves it open until the database is dropped under it.
    client.on('error', () => {});
    await client.connect();
    await client.query('BEGIN');
    const { rows } = await client.query(
      `INSERT INTO rcache.runs (kind, integration, connection, model, started_at, finished_at, added) VALUES ('save', 'default', 'default', 'Slow', 0, 0, 7) RETURNING number`,
    );
    return {
      number: Number(rows[0].number),
      end: async (how: 'COMMIT' | 'ROLLBACK') => {
        await client.query(how === 'COMMIT' ? 'NOTIFY rcache; COMMIT' : 'ROLLBACK');
        await client.end();
      },
    };
  }

  it('waits for a run numbered before one already committed rather than skip it, and passes a number that was rolled back', async () => {
    const location = await freshStore('postgres');
    const writer = await opening(location);
    await writer.save({ model: 'M' }, lines({ id: 'first' }));
    const receiver = await startReceiver();
    const deliverer = await delivering(location, { urls: [receiver.url()] });
    const slow = await numberedRun(location);
    await writer.save({ model: 'M' }, lines({ id: 'a' }, { id: 'b' }));
    const { runs, waiting } = await writer.deliveries().runsAfter(1, 100);
    expect({ runs, waiting }).toEqual({ runs: [], waiting: true });
    // The deliverer holds back the later run while the earlier one may still commit.
    await until(() => deliverer.events.some((event) => event.type === 'holding'), 'the deliverer to hold the URL');
    expect(receiver.requests).toHaveLength(0);
    await slow.end('COMMIT');
    await until(() => deliverer.delivered() === 2, 'both runs');
    expect(receiver.taken().map((body) => [body.model, body.responseResults.added])).toEqual([
      ['Slow', 7],
      ['M', 2],
    ]);
    const rolledBack = await numberedRun(location);
    await writer.save({ model: 'M' }, lines({ id: 'c' }));
    await rolledBack.end('ROLLBACK');
    await until(() => deliverer.delivered() === 3, 'the run after the number rolled back');
    await deliverer.stop();
    expect((await writer.deliveries().runsAfter(1, 100)).runs.map((run) => run.number)).toEqual([slow.number, slow.number + 1, rolledBack.number + 1]);
  });
});

describe.skipIf(!STORES.includes('sqlite'))('holds on SQLite, which are leases', () => {
  /** Marks the URL as held by another deliverer, as that deliverer's row would say. */
  function heldBy(path: string, url: string, holder: { host: string; pid: number; pidns: string; until: number }) {
    const db = new Database(path);
    try {
      db.prepare('UPDATE webhook_deliveries SET holder = ?, holder_host = ?, holder_pid = ?, holder_pidns = ?, lease_until = ? WHERE url = ?').run(
        'someone-else',
        holder.host,
        holder.pid,
        holder.pidns,
        holder.until,
        url,
      );
    } finally {
      db.close();
    }
  }

  it('a holder on another host keeps the URL until its lease lapses; one on this host whose process is gone, not at all', async () => {
    const path = await freshStore('sqlite');
    const cache = await opening(path);
    const deliveries = cache.deliveries();
    const url = 'http://127.0.0.1:9/hooks';
    await deliveries.register(url, 'end');
    heldBy(path, url, { host: 'elsewhere', pid: process.pid, pidns: '', until: Date.now() + 300 });
    expect(await deliveries.hold(url, { lease: 1000 })).toBeUndefined();
    const started = Date.now();
    await until(async () => (await deliveries.hold(url, { lease: 1000 })) !== undefined, 'the lease to lapse');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);

    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    let pidns = '';
    try {
      pidns = readlinkSync('/proc/self/ns/pid');
    } catch {
      // No pid namespaces here: the store records none either.
    }
    heldBy(path, url, { host: hostname(), pid: Number(gone.stdout), pidns, until: Date.now() + 60_000 });
    expect(await deliveries.hold(url, { lease: 1000 })).toBeDefined();
  });

  it('a holder that stops renewing loses the URL, and learns it at its next write', async () => {
    const path = await freshStore('sqlite');
    const [one, two] = [(await opening(path)).deliveries(), (await opening(path)).deliveries()];
    const url = 'http://127.0.0.1:9/hooks';
    await one.register(url, 'beginning');
    const first = (await one.hold(url, { lease: 150 }))!;
    expect(await two.hold(url, { lease: 150 })).toBeUndefined();
    expect(await first.renew()).toBe(true);
    let second: Awaited<ReturnType<typeof two.hold>>;
    await until(async () => (second = await two.hold(url, { lease: 60_000 })) !== undefined, 'the lease to lapse');
    expect(await first.advance(5, Date.now(), 1)).toBe(false);
    expect(await second!.advance(3, Date.now(), 1)).toBe(true);
    expect(await second!.advance(2, Date.now(), 0)).toBe(true);
    expect((await one.list())[0]).toMatchObject({ position: 3, delivered: 1 });
  });
});
