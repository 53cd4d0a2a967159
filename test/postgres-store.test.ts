// The PostgreSQL store against a real server: exact data, the lock and sequence scheme, schema
// ownership, and the failures users meet. Runs when the suite has a PostgreSQL cluster.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { RunClock } from '../src/cache/clock.js';
import { prune, pruneUntil, reset } from '../src/cache/retention.js';
import { openPostgresStore } from '../src/stores/postgres/postgres-store.js';
import { StoreError, type Dataset, type Store, type WriteOp, type WriteRun } from '../src/stores/store.js';
import { tempDir, until } from './harness.js';
import { psql } from './store-fixtures.js';
import { POSTGRES_URL, adminClient, databaseUrl, freshDatabase } from './stores.js';

const CONTACTS: Dataset = { integration: 'default', connection: 'default', model: 'Contact' };
const DEALS: Dataset = { integration: 'default', connection: 'default', model: 'Deal' };
const NO_COUNTS = { added: 0, updated: 0, unchanged: 0, deleted: 0, unknown: 0, duplicates: 0, rejected: 0 };
const NO_DELTA = { live: 0, deleted: 0, pruned: 0, bytes: 0 };

function insert(id: string, payload = JSON.stringify({ id })): WriteOp {
  return { op: 'insert', id, payload, hash: `h-${payload.length}`, rawHash: `r-${payload.length}`, size: Buffer.byteLength(payload) };
}

async function commit(run: WriteRun, added = 0): Promise<void> {
  const entry = { kind: 'save' as const, ...NO_COUNTS, added, pruned: 0, startedAt: run.time, finishedAt: run.time };
  await run.commit(entry, { delta: { ...NO_DELTA, live: added }, syncAt: run.time, changeAt: run.time });
}

/** A save begun on a clock that reads `now`. */
function saving(now = Date.now()) {
  return { kind: 'save' as const, stamp: new RunClock(() => now).stamp, create: true };
}

/** Saves `count` records of about 2 KB of text that does not compress (the server compresses large values). */
async function saveLarge(store: Store, count: number): Promise<void> {
  const run = (await store.beginRun(CONTACTS, saving(1_000)))!;
  await run.write(Array.from({ length: count }, (_, i) => insert(`r${i}`, JSON.stringify({ id: `r${i}`, text: randomBytes(1_500).toString('base64') }))));
  await commit(run, count);
}

/** Saves new records in one run and commits it. */
async function saveNew(store: Store, ids: string[], dataset = CONTACTS, now = Date.now()): Promise<void> {
  const run = (await store.beginRun(dataset, saving(now)))!;
  await run.write(ids.map((id) => insert(id)));
  await commit(run, ids.length);
}

async function everything(store: Store, dataset = CONTACTS) {
  const ref = (await store.findDataset(dataset))!;
  return store.readChanges(ref, { order: 'oldest-first', after: 0, limit: 100_000 });
}

async function withStore<T>(url: string, work: (store: Store) => Promise<T>, options = {}): Promise<T> {
  const store = await openPostgresStore(url, options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

describe.skipIf(POSTGRES_URL === undefined)('the PostgreSQL store', () => {
  test('ids and payloads round-trip exactly: NUL, lone surrogates, backslashes, 255 characters, big numbers', async () => {
    const { url } = await freshDatabase();
    const ids = ['a\u0000b', 'a', '\ud800', '\udc00x', '\ufffd', 'back\\slash', 'back\\\\slash', '\\0', '\\u0000', 'é'.repeat(255), '😀\ud83d'];
    const payloads = ids.map((id, i) => `{"id":${JSON.stringify(id)},"n":123456789012345678901234567890,"f":1.50,"k":{"z":1,"a":[${i}]}}`);
    await withStore(url, async (store) => {
      const run = (await store.beginRun(CONTACTS, saving(1)))!;
      const keys = await run.write(ids.map((id, i) => insert(id, payloads[i])));
      expect(keys.every((key) => typeof key === 'number')).toBe(true);
      const found = await run.lookup(ids);
      expect([...found.keys()].sort()).toEqual([...ids].sort());
      await commit(run, ids.length);
      const changes = await everything(store);
      expect(changes.map((change) => change.id)).toEqual(ids);
      expect(changes.map((change) => change.payload)).toEqual(payloads);
    });
  });

  test('large batches of new records (sent by COPY) keep exact data, and repeated ids in them are skipped', async () => {
    const { url } = await freshDatabase();
    const hostile = ['tab\there', 'line\nbreak', 'cr\rx', 'back\\slash\\n', 'nul\u0000', '\ud800', 'a\\u0000'];
    const ids = [...hostile, ...Array.from({ length: 100 }, (_, i) => `r${i}`)];
    const payload = (id: string) => `{"id":${JSON.stringify(id)},"text":"tab\\t \\\\ \t","n":1e400}`;
    await withStore(url, async (store) => {
      const run = (await store.beginRun(CONTACTS, saving(1)))!;
      const first = await run.write(ids.map((id) => insert(id, payload(id))));
      expect(new Set(first).size).toBe(ids.length);
      // One id already stored, and one repeated within the batch: neither is written again.
      const again = await run.write([...Array.from({ length: 80 }, (_, i) => insert(`s${i}`)), insert('r5', '{"id":"r5","v":2}')]);
      expect(again.slice(0, 80).every((key) => typeof key === 'number')).toBe(true);
      expect(again[80]).toBeUndefined();
      const repeated = await run.write([...Array.from({ length: 70 }, (_, i) => insert(`t${i}`)), insert('t3', '{"id":"t3","v":2}')]);
      expect(repeated[70]).toBeUndefined();
      await commit(run, ids.length + 150);
      const changes = await everything(store);
      expect(changes.map((change) => change.id)).toEqual([
        ...ids,
        ...Array.from({ length: 80 }, (_, i) => `s${i}`),
        ...Array.from({ length: 70 }, (_, i) => `t${i}`),
      ]);
      expect(changes.slice(0, ids.length).map((change) => change.payload)).toEqual(ids.map(payload));
      expect(changes.find((change) => change.id === 'r5')!.payload).toBe(payload('r5'));
      expect(changes.find((change) => change.id === 't3')!.payload).toBe('{"id":"t3"}');
      const positions = changes.map((change) => change.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    });
  });

  test('positions follow the order of the ops, across kinds, and an insert of a stored id takes none', async () => {
    const { url } = await freshDatabase();
    await withStore(url, async (store) => {
      await saveNew(store, ['a', 'b', 'c']);
      const run = (await store.beginRun(CONTACTS, saving(2)))!;
      const found = await run.lookup(['a', 'b', 'c']);
      const keys = await run.write([
        { op: 'delete', rowid: found.get('c')!.rowid },
        insert('d'),
        insert('a'),
        { op: 'replace', rowid: found.get('a')!.rowid, action: 'UPDATED', payload: '{"id":"a","v":2}', hash: 'x', rawHash: 'y', size: 16, firstSeenAt: 1 },
        insert('d'),
      ]);
      expect(keys[0]).toBeTypeOf('number');
      expect(keys.slice(1)).toEqual([undefined, undefined]);
      await commit(run, 1);
      const changes = await everything(store);
      expect(changes.map((change) => [change.id, change.action, change.position])).toEqual([
        ['b', 'ADDED', 2],
        ['c', 'DELETED', 4],
        ['d', 'ADDED', 5],
        ['a', 'UPDATED', 6],
      ]);
      const ref = (await store.findDataset(CONTACTS))!;
      const newest = await store.readChanges(ref, { order: 'newest-first', limit: 2 });
      expect(newest.map((change) => change.id)).toEqual(['a', 'd']);
      const older = await store.readChanges(ref, { order: 'newest-first', before: 5, limit: 10 });
      expect(older.map((change) => change.id)).toEqual(['c', 'b']);
    });
  });

  test('an aborted run leaves nothing, and the times a run stamps never go backwards', async () => {
    const { url } = await freshDatabase();
    await withStore(url, async (store) => {
      await saveNew(store, ['a'], CONTACTS, 5_000);
      const run = (await store.beginRun(CONTACTS, saving(6_000)))!;
      await run.write([insert('b')]);
      await run.abort();
      expect((await everything(store)).map((change) => change.id)).toEqual(['a']);
      // The clock stepped back, on this dataset and on another one.
      for (const dataset of [CONTACTS, DEALS]) {
        const late = (await store.beginRun(dataset, saving(1_000)))!;
        expect(late.time).toBe(5_000);
        await late.abort();
      }
    });
  });

  test('a prune, a prune up to a position and a reset with a clock stepped back stamp the latest time, and later runs follow it', async () => {
    const { url } = await freshDatabase();
    await withStore(url, async (store) => {
      await saveNew(store, ['a', 'b'], CONTACTS, 5_000);
      const early = { payloadCutoff: 9_000, datasetCutoff: 0, dataset: CONTACTS, dryRun: false };
      expect(await prune(store, () => 1_000, early)).toMatchObject({ pruned: 2 });
      await saveNew(store, ['c'], CONTACTS, 6_000);
      const [c] = (await everything(store)).filter((change) => change.id === 'c');
      expect((await pruneUntil(store, () => 2_000, CONTACTS, c!.position, { dryRun: false })).count).toBe(1);
      expect(await reset(store, () => 3_000, CONTACTS)).toBe(3);
      const runs = await store.runs({ order: 'oldest-first' });
      expect(runs.map((run) => [run.kind, run.startedAt, run.finishedAt])).toEqual([
        ['save', 5_000, 5_000],
        ['prune', 5_000, 5_000],
        ['save', 6_000, 6_000],
        ['prune', 6_000, 6_000],
        ['reset', 6_000, 6_000],
      ]);
      const later = (await store.beginRun(DEALS, saving(500)))!;
      expect(later.time).toBe(6_000);
      await later.abort();
    });
  });

  test('writers of one dataset queue up to the busy timeout; writers of another are not held', async () => {
    const { url } = await freshDatabase();
    await withStore(url, async (first) => {
      await withStore(
        url,
        async (second) => {
          const holder = (await first.beginRun(CONTACTS, saving(1)))!;
          await holder.write([insert('a')]);
          const started = Date.now();
          const busy = await failure(second.beginRun(CONTACTS, saving(1)));
          expect(busy.kind).toBe('busy');
          expect(Date.now() - started).toBeGreaterThanOrEqual(250);
          const other = (await second.beginRun(DEALS, saving(1)))!;
          await other.write([insert('x')]);
          await commit(other, 1);
          await commit(holder, 1);
          expect((await everything(second)).map((change) => change.id)).toEqual(['a']);
        },
        { busyTimeout: 300 },
      );
    });
  });

  test('a waiting writer takes its positions after the writer it waited for: a reader between them misses nothing', async () => {
    const { url } = await freshDatabase();
    await withStore(url, async (first) => {
      await withStore(url, async (second) => {
        await saveNew(first, ['seed']);
        const holder = (await first.beginRun(CONTACTS, saving(1)))!;
        const waiting = second.beginRun(CONTACTS, saving(1));
        await holder.write([insert('a')]);
        await commit(holder, 1);
        const next = (await waiting)!;
        expect(next.emptyAtStart).toBe(false);
        expect((await next.lookup(['a'])).has('a')).toBe(true);
        await next.write([insert('b')]);
        await commit(next, 1);
        const positions = (await everything(first)).map((change) => change.position);
        expect(positions).toEqual([...positions].sort((x, y) => x - y));
        expect((await everything(first)).map((change) => change.id)).toEqual(['seed', 'a', 'b']);
      });
    });
  });

  test('concurrent writers on two datasets and a paging reader: every change seen exactly once, in order', async () => {
    const { url } = await freshDatabase();
    const stores = await Promise.all([0, 1, 2, 3, 4].map(() => openPostgresStore(url)));
    try {
      const [reader, ...writers] = stores as [Store, ...Store[]];
      await saveNew(reader, ['seed']);
      const runsEach = 15;
      const write = async (store: Store, dataset: Dataset, name: string) => {
        for (let i = 0; i < runsEach; i++) {
          const run = (await store.beginRun(dataset, saving(Date.now())))!;
          const found = await run.lookup(['shared']);
          const shared = found.get('shared');
          await run.write([
            insert(`${name}-${i}-a`),
            shared
              ? {
                  op: 'replace',
                  rowid: shared.rowid,
                  action: 'UPDATED',
                  payload: `{"id":"shared","by":"${name}-${i}"}`,
                  hash: `${name}${i}`,
                  rawHash: `${name}${i}`,
                  size: 30,
                  firstSeenAt: shared.firstSeenAt,
                }
              : insert('shared', `{"id":"shared","by":"${name}-${i}"}`),
            insert(`${name}-${i}-b`),
          ]);
          await commit(run, 2);
        }
      };
      const done = Promise.all([
        write(writers[0]!, CONTACTS, 'w0'),
        write(writers[1]!, CONTACTS, 'w1'),
        write(writers[2]!, CONTACTS, 'w2'),
        write(writers[3]!, DEALS, 'd0'),
      ]);
      let finished = false;
      void done.then(() => (finished = true));
      const ref = (await reader.findDataset(CONTACTS))!;
      const seen: string[] = [];
      let after = 0;
      for (let page = 0; page < 10_000; page++) {
        const last = finished;
        const changes = await reader.readChanges(ref, { order: 'oldest-first', after, limit: 7 });
        for (const change of changes) {
          expect(change.position).toBeGreaterThan(after);
          after = change.position;
          seen.push(change.id === 'shared' ? `shared:${change.payload}` : change.id);
        }
        if (last && changes.length === 0) break;
      }
      await done;
      const expected = ['w0', 'w1', 'w2'].flatMap((name) => Array.from({ length: runsEach }, (_, i) => [`${name}-${i}-a`, `${name}-${i}-b`]).flat());
      const plain = seen.filter((id) => !id.startsWith('shared'));
      expect(new Set(plain).size).toBe(plain.length);
      expect(plain.filter((id) => id !== 'seed').sort()).toEqual(expected.sort());
      // The last state of the shared record is the last one the reader saw.
      const final = (await everything(reader)).find((change) => change.id === 'shared')!;
      expect(seen.filter((id) => id.startsWith('shared')).at(-1)).toBe(`shared:${final.payload}`);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  test('a follower wakes on a commit at once, not at its interval; it stops when asked or aborted', async () => {
    const { url } = await freshDatabase();
    await withStore(url, async (follower) => {
      await withStore(url, async (writer) => {
        const version = await follower.version();
        const started = Date.now();
        const woke = follower.waitForCommit(version, { interval: 20_000 });
        await saveNew(writer, ['a']);
        const committed = await woke;
        expect(committed.reason).toBe('committed');
        expect(committed.version).toBeGreaterThan(version);
        expect(Date.now() - started).toBeLessThan(5_000);
        // A commit between reading the version and waiting ends the wait at once.
        const before = await follower.version();
        await saveNew(writer, ['b']);
        expect((await follower.waitForCommit(before, { interval: 20_000 })).reason).toBe('committed');

        const controller = new AbortController();
        const now = await follower.version();
        const aborted = follower.waitForCommit(now, { interval: 20_000, signal: controller.signal });
        controller.abort();
        expect(await aborted).toEqual({ reason: 'aborted', version: now });
        let asked = false;
        const stopped = follower.waitForCommit(now, { interval: 50, stop: () => asked });
        asked = true;
        expect(await stopped).toEqual({ reason: 'stopped', version: now });
      });
    });
  });

  test('a follower whose database is dropped and created again learns that it was replaced', async () => {
    const { name, url } = await freshDatabase();
    const admin = await adminClient();
    await withStore(url, async (follower) => {
      await saveNew(follower, ['a']);
      const waiting = follower.waitForCommit(await follower.version(), { interval: 100 });
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
      await withStore(url, (other) => saveNew(other, ['b']));
      const ended = await waiting;
      // The lost connection counts as a commit; the next wait finds another database.
      const next = ended.reason === 'replaced' ? ended : await follower.waitForCommit(ended.version, { interval: 100 });
      expect(next.reason).toBe('replaced');
    });
  });

  test('a listening connection lost while it checks the database is opened again, and its follower is not told the database was replaced', async () => {
    const { name, url } = await freshDatabase();
    const admin = await adminClient();
    await withStore(url, async (follower) => {
      await saveNew(follower, ['a']);
      // Holds the check of the database's identity, which the listening connection makes once it listens.
      const blocker = new pg.Client({ connectionString: url });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE rcache.meta IN ACCESS EXCLUSIVE MODE');
        const version = follower.version();
        let checking: number | undefined;
        await until(
          async () => {
            const { rows } = await admin.query(
              `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE 'SELECT database_id%'`,
              [name],
            );
            checking = rows[0]?.pid as number | undefined;
            return checking !== undefined;
          },
          10_000,
          'the identity check to wait',
        );
        await admin.query('SELECT pg_terminate_backend($1)', [checking]);
        await blocker.query('COMMIT');
        const since = await version;
        const woke = await follower.waitForCommit(since, { interval: 50 });
        // The lost connection counts as a commit; the next wait listens again and hears the next.
        expect(woke.reason).toBe('committed');
        const waiting = follower.waitForCommit(woke.version, { interval: 20_000 });
        await withStore(url, (writer) => saveNew(writer, ['b']));
        expect((await waiting).reason).toBe('committed');
      } finally {
        await blocker.end();
      }
    });
  });
  // A compaction first waits for the writes begun before it anywhere on the server (other files'
  // saves): the time allowed covers them.
  test('a prune that compacts gives the space of dropped payloads back', async () => {
    const { url } = await freshDatabase();
    await withStore(url, async (store) => {
      // An automatic ANALYZE of the new rows would hold a snapshot that keeps their old versions.
      psql(url, 'ALTER TABLE rcache.records SET (autovacuum_enabled = off, toast.autovacuum_enabled = off)');
      await saveLarge(store, 500);
      const counts = await prune(store, () => 10_000, { payloadCutoff: 5_000, datasetCutoff: 0, dryRun: false, compact: true });
      expect(counts.pruned).toBe(500);
      expect(counts.reclaimedBytes).toBeGreaterThan(500 * 1_000);
    });
  }, 120_000);

  test('a compaction waits for a write that began earlier in another database of the server, then gives the space back', async () => {
    const { url } = await freshDatabase();
    const other = new pg.Client({ connectionString: (await freshDatabase()).url });
    await other.connect();
    try {
      await withStore(
        url,
        async (store) => {
          psql(url, 'ALTER TABLE rcache.records SET (autovacuum_enabled = off, toast.autovacuum_enabled = off)');
          await saveLarge(store, 500);
          // A writer elsewhere on the server: its transaction id holds back what any snapshot may drop.
          await other.query('BEGIN; SELECT pg_current_xact_id()');
          const pruning = prune(store, () => 10_000, { payloadCutoff: 5_000, datasetCutoff: 0, dryRun: false, compact: true });
          const admin = await adminClient();
          await until(async () => {
            const waiting = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_snapshot_xmin%'`, [
              new URL(url).pathname.slice(1),
            ]);
            return waiting.rowCount! > 0;
          }, 'the compaction to wait for the older write');
          await other.query('COMMIT');
          const counts = await pruning;
          expect(counts.pruned).toBe(500);
          expect(counts.reclaimedBytes).toBeGreaterThan(500 * 1_000);
        },
        { busyTimeout: 100_000 },
      );
    } finally {
      await other.end();
    }
  }, 120_000);

  test('an expired dataset comes back under a new identity; a reset bumps its generation; readers notice both', async () => {
    const { url } = await freshDatabase();
    await withStore(url, async (store) => {
      await saveNew(store, ['a'], CONTACTS, 1_000);
      const first = (await store.findDataset(CONTACTS))!;
      const expired = await prune(store, () => 10_000, { payloadCutoff: 0, datasetCutoff: 5_000, dryRun: false });
      expect(expired).toMatchObject({ datasetsExpired: 1, recordsDeleted: 1 });
      expect((await failure(store.readChanges(first, { order: 'oldest-first', limit: 10 }))).kind).toBe('dataset-changed');
      await saveNew(store, ['b'], CONTACTS, 20_000);
      const second = (await store.findDataset(CONTACTS))!;
      expect(second.uid).not.toBe(first.uid);
      expect(await reset(store, () => 30_000, CONTACTS)).toBe(1);
      expect((await failure(store.readChanges(second, { order: 'oldest-first', limit: 10 }))).kind).toBe('dataset-changed');
      expect((await store.findDataset(CONTACTS))!.generation).toBe(second.generation + 1);
      expect(await reset(store, () => 30_000, DEALS)).toBeUndefined();
      expect(await store.findDataset(DEALS)).toBeUndefined();
      const history = await store.runs({ order: 'oldest-first' });
      expect(history.map((run) => run.kind)).toEqual(['save', 'prune', 'save', 'reset']);
    });
  });

  test('a terminated backend rolls its run back; another run carries on', async () => {
    const { url } = await freshDatabase();
    const admin = await adminClient();
    await withStore(url, async (store) => {
      await withStore(url, async (other) => {
        const doomed = (await store.beginRun(CONTACTS, saving(1)))!;
        await doomed.write([insert('lost')]);
        const survivor = (await other.beginRun(DEALS, saving(1)))!;
        await survivor.write([insert('kept')]);
        // Both runs wait idle in their transactions; the doomed one's last statement was its write.
        await survivor.lookup(['kept']);
        const database = new URL(url).pathname.slice(1);
        const { rows } = await admin.query(
          `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND state = 'idle in transaction' AND query LIKE '%INSERT INTO rcache.records%'`,
          [database],
        );
        expect(rows.length).toBe(1);
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
        const lost = await failure(doomed.write([insert('more')]));
        expect(lost.kind).toBe('cannot-connect');
        expect(lost.message).toContain('lost the connection');
        await commit(survivor, 1);
        expect((await everything(other, DEALS)).map((change) => change.id)).toEqual(['kept']);
        expect(await other.findDataset(CONTACTS)).toBeUndefined();
      });
    });
  });

  test('a batch of new records the server refuses fails its run, at the write or at the next step, and nothing of the run is kept', async () => {
    const { url } = await freshDatabase();
    await withStore(url, async (store) => {
      await saveNew(store, ['before']);
      // Enough new records to go by COPY, which the store does not wait for before preparing the next batch.
      const records = Array.from({ length: 100 }, (_, i) => insert(`r${i}`));
      // A text column cannot hold NUL: the server refuses the batch.
      records[70] = insert('r70', '{"id":"r70","v":"\u0000"}');
      const run = (await store.beginRun(CONTACTS, saving(2)))!;
      const refused = await failure(run.write(records).then(() => commit(run, records.length)));
      expect(refused.message).toMatch(/0x00|null character/);
      await run.abort();
      expect((await everything(store)).map((change) => change.id)).toEqual(['before']);
      // The store goes on: the next run writes.
      await saveNew(store, ['after']);
      expect((await everything(store)).map((change) => change.id)).toEqual(['before', 'after']);
    });
  });

  test('a database holding other tables is refused and never written', async () => {
    const { name, url } = await freshDatabase();
    const owner = new (await import('pg')).default.Client({ connectionString: url });
    await owner.connect();
    try {
      await owner.query('CREATE TABLE users (id int)');
      const refused = await failure(openPostgresStore(url));
      expect(refused.kind).toBe('foreign');
      expect(refused.message).toContain('public.users');
      expect(refused.message).toContain(name);
      const { rows } = await owner.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rcache'`);
      expect(rows[0].n).toBe(0);
    } finally {
      await owner.end();
    }
  });

  test('a schema newer than this rcache is refused untouched; a reader never creates one', async () => {
    const { url } = await freshDatabase();
    const missing = await failure(openPostgresStore(url, { readonly: true }));
    expect(missing.kind).toBe('missing');
    await withStore(url, (store) => saveNew(store, ['a']));
    const pg = (await import('pg')).default;
    const owner = new pg.Client({ connectionString: url });
    await owner.connect();
    try {
      await owner.query('UPDATE rcache.meta SET schema_version = 99');
      const newer = await failure(openPostgresStore(url));
      expect(newer.kind).toBe('newer-schema');
      expect(newer.message).toMatch(/newer rcache \(schema 99/);
      const { rows } = await owner.query('SELECT schema_version FROM rcache.meta');
      expect(rows[0].schema_version).toBe(99);
    } finally {
      await owner.end();
    }
  });

  test('a missing database, a wrong password and a stopped server: one clear message each, never the password', async () => {
    const missing = await failure(openPostgresStore(databaseUrl('no_such_database')));
    expect(missing.kind).toBe('missing');
    expect(missing.message).toContain('no_such_database');

    const admin = await adminClient();
    const role = `rcache_user_${process.pid}`;
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'right-secret'`);
    try {
      const wrong = await failure(openPostgresStore(databaseUrl('postgres', { name: role, password: 'Wr0ng-s3cret' })));
      expect(wrong.kind).toBe('cannot-connect');
      expect(wrong.message).toContain('password authentication failed');
      expect(wrong.message).not.toContain('Wr0ng-s3cret');
      expect(String(wrong.stack)).not.toContain('Wr0ng-s3cret');
    } finally {
      await admin.query(`DROP ROLE ${role}`);
    }

    const nowhere = tempDir();
    const url = `postgresql://someone:hunter2@${encodeURIComponent(nowhere)}:5432/rcache`;
    const down = await failure(openPostgresStore(url));
    expect(down.kind).toBe('cannot-connect');
    expect(down.message).toMatch(/no server is listening/);
    expect(down.message).not.toContain('hunter2');
  });
});
