import { Nango } from '@nangohq/node';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { rcache, start, tempDir, until, type Proc } from './harness.js';
import { lines, ndjson, seed } from './helpers.js';
import { killServe, startServe } from './serve-process.js';
import { dbLocation, itOnce } from './store-under-test.js';
import { signedBy, startReceiver, type Received } from './webhook-receiver.js';

const KEY = 'whk-signing-k3y';
/** Deliverers in these tests give up on an answer after half a second, and retry from 50 ms on. */
const FAST = ['--timeout', '0.5', '--retry-delay', '0.05'];

function deliverer(db: string, args: string[], env: Record<string, string | undefined> = {}): Proc {
  const proc = start(['--db', db, 'webhooks', ...args], { env });
  proc.child.stdout!.resume();
  return proc;
}

let saved = 0;
/** One run that adds `count` new records: the receiver tells runs apart by their `added`. */
async function run(db: string, count: number): Promise<void> {
  await seed(
    db,
    Array.from({ length: count }, () => ({ id: `r${++saved}` })),
    { model: 'Contact' },
  );
}

async function webhookStats(db: string): Promise<Record<string, any>[]> {
  const result = await rcache(['--db', db, 'stats', '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).webhooks;
}

const added = (bodies: Record<string, any>[]) => bodies.map((body) => body.responseResults?.added);
const keyOf = (request: Received) => request.headers['idempotency-key'];

async function stop(deliverer: Proc): Promise<void> {
  deliverer.child.kill('SIGTERM');
  expect((await deliverer.exit).code).toBe(0);
  expect(deliverer.err()).toMatch(/rcache webhooks: stopped by SIGTERM\n$/);
}

// Each case starts several processes, which take a while on a busy machine.
describe('rcache webhooks', { timeout: 60_000 }, () => {
  it('delivers every run in order to a receiver that first answers 500, then not at all, then refuses connections; signed, one key per run', async () => {
    const db = dbLocation(tempDir());
    for (const count of [1, 2]) await run(db, count);
    let reopened = false;
    const receiver = await startReceiver((_, n) => (n <= 2 ? 500 : n === 3 ? 'hang' : reopened ? 200 : 503));
    const proc = deliverer(db, ['--url', receiver.url(), '--from-beginning', '--signing-key', KEY, ...FAST]);
    await until(() => receiver.hung.length === 1, 'a request left unanswered');
    await receiver.hung[0];
    await receiver.close();
    await until(() => proc.err().includes('not taken (connection refused)'), 'a refused connection');
    await receiver.listen();
    reopened = true;
    await until(() => receiver.taken().length === 2, 'the first two runs');
    for (const count of [3, 4]) await run(db, count);
    await until(() => receiver.taken().length === 4, 'the runs saved while it ran');
    await stop(proc);

    expect(added(receiver.taken())).toEqual([1, 2, 3, 4]);
    const [first, ...rest] = receiver.taken();
    expect(first).toMatchObject({ from: 'nango', type: 'sync', providerConfigKey: 'default', connectionId: 'default', syncName: 'Contact', model: 'Contact' });
    expect(first).toMatchObject({ syncVariant: 'base', success: true, syncType: 'INITIAL', responseResults: { added: 1, updated: 0, deleted: 0 } });
    expect(rest.map((body) => body.syncType)).toEqual(['INCREMENTAL', 'INCREMENTAL', 'INCREMENTAL']);
    for (const request of receiver.requests) expect(signedBy(request, KEY)).toEqual({ hmac: true, legacy: true });
    expect(signedBy(receiver.requests[0]!, 'another-key').hmac).toBe(false);
    // Every attempt at the first run carried one key; each run its own.
    const attemptsAtFirst = receiver.requests.filter((request) => request.json.responseResults.added === 1);
    expect(attemptsAtFirst.length).toBeGreaterThanOrEqual(4);
    expect(new Set(attemptsAtFirst.map(keyOf)).size).toBe(1);
    expect(new Set(receiver.requests.map(keyOf)).size).toBe(4);
    expect(proc.err()).toContain('run 1 not taken (HTTP 500); attempt 2 in ');
    expect(proc.err()).toContain('run 1 not taken (no answer within 0.5 s)');
    expect(proc.err()).toMatch(/run 4 \(incremental Contact: 4 added, 0 updated, 0 deleted\) taken: 200 in \d+ ms\n/);
    expect(proc.err()).not.toContain(KEY);
    const [stats] = await webhookStats(db);
    expect(stats).toMatchObject({ url: receiver.url(), position: 4, backlog: 0, delivered: 4, attempts: 0, holder: null });
    // Every request not taken failed, and so did each refused connection.
    expect(stats!.failures).toBeGreaterThan(receiver.requests.length - 4);
  });

  it('killed with -9 in the middle of a delivery and started again, delivers every run in order, the one in flight again', async () => {
    const db = dbLocation(tempDir());
    for (const count of [1, 2]) await run(db, count);
    let holding = true;
    const receiver = await startReceiver((request) => (request.json.responseResults.added === 3 && holding ? 'hang' : 200));
    const args = ['--url', receiver.url(), '--from-beginning', '--signing-key', KEY, '--timeout', '30'];
    const first = deliverer(db, args);
    await run(db, 3);
    await until(() => receiver.hung.length === 1, 'the third run in flight');
    first.child.kill('SIGKILL');
    await first.exit;
    const beforeKill = receiver.requests.length;
    await until(async () => (await webhookStats(db))[0]?.holder === null, 'stats to show the killed holder gone');
    holding = false;
    for (const count of [4, 5]) await run(db, count);
    const second = deliverer(db, args);
    await until(() => added(receiver.taken()).includes(5), 'the last run');
    await stop(second);
    const sent = added(receiver.requests.map((request) => request.json));
    expect(sent.slice(0, beforeKill)).toEqual([1, 2, 3]);
    // The second starts again from a run no later than the one in flight (its position is written
    // every so often, or when it waits), and goes on in order from there: none skipped.
    const resumed = sent.slice(beforeKill);
    expect(resumed[0]).toBeLessThanOrEqual(3);
    expect(resumed).toEqual(Array.from({ length: 6 - resumed[0] }, (_, i) => resumed[0] + i));
    expect(new Set(added(receiver.taken()))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(keyOf(receiver.requests[2]!)).toBe(keyOf(receiver.requests.find((request, i) => i >= beforeKill && request.json.responseResults.added === 3)!));
    expect(second.err()).toMatch(new RegExp(`${receiver.url()}: resuming after run ${resumed[0] - 1}, ${6 - resumed[0]} runs since`));
    for (const request of receiver.requests) expect(signedBy(request, KEY).hmac).toBe(true);
  });

  it('two deliverers for one URL deliver each run once; when the holder is killed, the other takes over', async () => {
    const db = dbLocation(tempDir());
    const receiver = await startReceiver();
    const args = ['--url', receiver.url(), ...FAST];
    const a = deliverer(db, args);
    await until(() => a.err().includes('new receiver'), 'the first deliverer');
    const b = deliverer(db, args);
    await until(() => b.err().includes('held by another deliverer'), 'the second deliverer to wait');
    expect(b.err()).toContain(`(pid ${a.child.pid})`);
    for (const count of [1, 2, 3]) await run(db, count);
    await until(async () => (await webhookStats(db))[0]?.position === 3, 'the first three runs');
    a.child.kill('SIGKILL');
    await a.exit;
    await until(() => b.err().includes('taken over, delivering the runs after run 3'), 'the second deliverer to take over');
    for (const count of [4, 5]) await run(db, count);
    await until(() => receiver.taken().length === 5, 'every run');
    await stop(b);
    expect(added(receiver.requests.map((request) => request.json))).toEqual([1, 2, 3, 4, 5]);
  });

  it('a URL not seen before starts from now, or with --from-beginning from the first run; a URL seen before resumes', async () => {
    const db = dbLocation(tempDir());
    for (const count of [1, 2]) await run(db, count);
    const [now, all] = [await startReceiver(), await startReceiver()];
    const first = deliverer(db, ['--url', now.url(), ...FAST]);
    await until(() => first.err().includes(`${now.url()}: new receiver, starting after run 2, the latest`), 'the start');
    await run(db, 3);
    await until(() => now.taken().length === 1, 'the new run');
    await stop(first);
    const second = deliverer(db, ['--url', now.url(), '--url', all.url(), '--from-beginning', ...FAST]);
    await until(() => all.taken().length === 3, 'every run at the new URL');
    await run(db, 4);
    await until(() => now.taken().length === 2 && all.taken().length === 4, 'the next run at both');
    await stop(second);
    expect(added(now.taken())).toEqual([3, 4]);
    expect(added(all.taken())).toEqual([1, 2, 3, 4]);
    expect(second.err()).toContain(`${now.url()}: resuming after run 3, 0 runs since (--from-beginning applies only to a URL not seen before)`);
    expect(second.err()).toContain(`${all.url()}: new receiver, starting from the first run`);
  });

  it('stats and /metrics show each URL with its backlog and last error, and no user, password, token or key anywhere', async () => {
    const db = dbLocation(tempDir());
    for (const count of [1, 2]) await run(db, count);
    let accept = false;
    const receiver = await startReceiver(() => (accept ? 200 : { status: 401, body: 'refused hook-user with s3cret-pw' }));
    const url = `http://hook-user:s3cret-pw@127.0.0.1:${receiver.port}/hooks?token=tok-secret-9&site=a`;
    const shown = `http://127.0.0.1:${receiver.port}/hooks?token=***&site=a`;
    const proc = deliverer(db, ['--url', url, '--from-beginning', ...FAST], { RCACHE_WEBHOOK_SIGNING_KEY: KEY });
    await until(async () => (await webhookStats(db))[0]?.failures >= 2, 'two failures');
    const [stats] = await webhookStats(db);
    expect(stats).toMatchObject({ url: shown, position: 0, backlog: 2, delivered: 0, last_error: 'HTTP 401: refused *** with ***', last_delivered_at: null });
    expect(stats!.holder).toMatch(/ \(pid \d+\)$/);
    expect(stats!.last_error_at).toMatch(/Z$/);
    const table = await rcache(['--db', db, 'stats'], { env: { COLUMNS: '400' } });
    expect(table.stdout).toMatch(/webhooks: 1 receiver\n/);
    expect(table.stdout).toMatch(
      new RegExp(`│ ${shown.replace(/[.*?]/g, '\\$&')} +│ +0 │ +2 │ +0 │ +\\d+ │ \\S+Z HTTP 401: refused \\*\\*\\* with \\*\\*\\* +│`),
    );
    const server = await startServe(db);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    await killServe(server);
    expect(metrics).toContain(`rcache_webhook_backlog{url="${shown}"} 2\n`);
    expect(metrics).toMatch(new RegExp(`rcache_webhook_failures_total\\{url="${shown.replace(/[.*?]/g, '\\$&')}"\\} [1-9]\\d*\n`));
    expect(Buffer.from(String(receiver.requests[0]!.headers.authorization).replace(/^Basic /, ''), 'base64').toString()).toBe('hook-user:s3cret-pw');
    // Started again, a deliverer tries at once, rather than after a wait grown while the receiver refused.
    await stop(proc);
    accept = true;
    const again = deliverer(db, ['--url', url, ...FAST], { RCACHE_WEBHOOK_SIGNING_KEY: KEY });
    await until(async () => (await webhookStats(db))[0]?.backlog === 0, 'the backlog to be delivered');
    await stop(again);
    for (const output of [proc.err(), again.err(), table.stdout, metrics, JSON.stringify(await webhookStats(db))]) {
      for (const secret of ['hook-user', 's3cret-pw', 'tok-secret-9', KEY]) expect(output).not.toContain(secret);
    }
  });

  it('says once that it does not sign without a key; --always also sends runs that changed nothing', async () => {
    const db = dbLocation(tempDir());
    const [always, changes] = [await startReceiver(), await startReceiver()];
    const proc = deliverer(db, ['--url', always.url(), ...FAST, '--always']);
    const other = deliverer(db, ['--url', changes.url(), ...FAST]);
    await until(() => proc.err().includes('new receiver') && other.err().includes('new receiver'), 'both to start');
    const records = ndjson([{ id: 'a' }]);
    for (let i = 0; i < 2; i++) expect((await rcache(['--db', db, 'save', '--model', 'Contact'], { input: records })).code).toBe(0);
    await run(db, 1);
    await until(() => always.taken().length === 3 && changes.taken().length === 2, 'the runs');
    await Promise.all([stop(proc), stop(other)]);
    expect(always.taken().map((body) => body.responseResults)).toEqual([
      { added: 1, updated: 0, deleted: 0 },
      { added: 0, updated: 0, deleted: 0 },
      { added: 1, updated: 0, deleted: 0 },
    ]);
    expect(added(changes.taken())).toEqual([1, 1]);
    expect(proc.err().match(/no signing key/g)).toHaveLength(1);
    expect(always.requests[0]!.headers['x-nango-hmac-sha256']).toBeUndefined();
  });

  it("the README's recipe: an app checks each webhook with Nango's client, then reads what changed from rcache serve after its cursor", async () => {
    const db = dbLocation(tempDir());
    const server = await startServe(db, ['--secret-key', 'api-k3y']);
    const nango = new Nango({ host: server.url, secretKey: 'api-k3y', webhookSigningKey: KEY });
    // The app keeps a copy of each dataset and the cursor it has read up to.
    const copy = new Map<string, Record<string, any>>();
    let cursor: string | undefined;
    const handled: string[] = [];
    const app = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      if (!nango.verifyIncomingWebhookRequest(body, req.headers)) return void res.writeHead(401).end();
      const webhook = JSON.parse(body);
      const dataset = { providerConfigKey: webhook.providerConfigKey, connectionId: webhook.connectionId, model: webhook.model, variant: webhook.syncVariant };
      if (webhook.type === 'resync') {
        copy.clear();
        cursor = undefined;
      }
      for (;;) {
        const page = await nango.listRecords({ ...dataset, cursor, limit: 2 });
        for (const record of page.records) {
          if (record._nango_metadata.last_action === 'DELETED') copy.delete(String(record.id));
          else copy.set(String(record.id), record);
        }
        if (page.records.length > 0) cursor = page.records.at(-1)!._nango_metadata.cursor;
        if (!page.next_cursor) break;
      }
      handled.push(
        webhook.type === 'resync'
          ? 'resync'
          : `${webhook.syncType} ${webhook.responseResults.added}/${webhook.responseResults.updated}/${webhook.responseResults.deleted}`,
      );
      res.writeHead(200).end();
    });
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    try {
      const proc = deliverer(db, ['--url', `http://127.0.0.1:${(app.address() as AddressInfo).port}/webhooks`, ...FAST], { RCACHE_WEBHOOK_SIGNING_KEY: KEY });
      await until(() => proc.err().includes('new receiver'), 'the deliverer to start');
      const write = async (args: string[], input = '') => expect((await rcache(['--db', db, ...args, '--model', 'Contact'], { input })).code).toBe(0);
      await write(['save'], ndjson([{ id: 'a' }, { id: 'b' }, { id: 'c' }]));
      await write(['save'], ndjson([{ id: 'a' }, { id: 'b', v: 2 }, { id: 'c' }]));
      await write(['delete', 'c']);
      await until(() => handled.length === 3, 'the first three runs');
      expect([...copy.keys()].sort()).toEqual(['a', 'b']);
      expect(copy.get('b')).toMatchObject({ id: 'b', v: 2 });
      await write(['reset']);
      await write(['save'], ndjson([{ id: 'd' }]));
      await until(() => handled.length === 5, 'the reset and the next run');
      await stop(proc);
      expect(handled).toEqual(['INITIAL 3/0/0', 'INCREMENTAL 0/1/0', 'INCREMENTAL 0/0/1', 'resync', 'INITIAL 1/0/0']);
      const live = lines((await rcache(['--db', db, 'records', '--model', 'Contact'])).stdout).filter((r) => r._nango_metadata.last_action !== 'DELETED');
      expect([...copy.values()]).toEqual(live);
    } finally {
      app.close();
      await killServe(server);
    }
  });

  itOnce('refuses a missing or bad URL, a bad timeout and an empty key, without printing credentials', async () => {
    const db = dbLocation(tempDir());
    const cases: [string[], RegExp][] = [
      [[], /^rcache: required option '--url <url>' not specified\n/],
      [['--url', 'ftp://files.example/x'], /^rcache: --url ftp:\/\/files\.example\/x is not an http:\/\/ or https:\/\/ URL\n$/],
      [['--url', 'http://hook-user:s3cret-pw@[::1'], /^rcache: --url 'http:\/\/\*\*\*@\[::1' is not a valid URL: give an http:\/\/ or https:\/\/ URL\n$/],
      [['--url', 'http://127.0.0.1:1/', '--timeout', '0'], /^rcache: --timeout takes a number of seconds greater than 0, not '0'\n$/],
      [['--url', 'http://127.0.0.1:1/', '--signing-key', ''], /^rcache: --signing-key \(RCACHE_WEBHOOK_SIGNING_KEY\) must not be empty/],
    ];
    for (const [args, message] of cases) {
      const result = await rcache(['--db', db, 'webhooks', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('s3cret-pw');
    }
  });
});
