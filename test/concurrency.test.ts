// Calls that overlap on one Cache, in process and through `rcache serve`: each behaves as if it
// ran alone, on every store.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCursor } from '../src/decisions/cursor.js';
import { openCache, type Cache, type CacheRecord } from '../src/index.js';
import { startServe } from './serve-process.js';
import { freshStore, STORES } from './stores.js';

const open: Cache[] = [];
afterEach(async () => {
  for (const cache of open.splice(0)) await cache.close();
});

async function cacheOn(location: string, now?: () => number): Promise<Cache> {
  const cache = await openCache(location, now ? { now } : {});
  open.push(cache);
  return cache;
}

const lines = (prefix: string, count: number, fields: object = {}) =>
  Array.from({ length: count }, (_, i) => JSON.stringify({ id: `${prefix}${i}`, ...fields }));

async function all<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterator) out.push(item);
  return out;
}

/** A source that gives `ready` lines, then waits for `release()` before it ends. */
function heldSource(ready: string[]) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  async function* lines() {
    yield* ready;
    await released;
  }
  return { lines: lines(), release };
}

describe.each(STORES)('overlapping calls on one cache (%s)', (kind) => {
  it('saves of one dataset and of several, all at once: each is counted whole, as if alone', async () => {
    const cache = await cacheOn(await freshStore(kind));
    const same = Array.from({ length: 8 }, (_, round) => cache.save({ model: 'Shared' }, lines('s', 150, { round })));
    const apart = Array.from({ length: 4 }, (_, n) => cache.save({ model: `Own${n}` }, lines(`o${n}-`, 120)));
    const shared = await Promise.all(same);
    expect(shared.filter((summary) => summary.added === 150 && summary.updated === 0)).toHaveLength(1);
    expect(shared.filter((summary) => summary.updated === 150 && summary.added === 0)).toHaveLength(7);
    for (const summary of await Promise.all(apart)) expect(summary).toMatchObject({ added: 120, updated: 0, unchanged: 0 });
    // Whichever save committed last, every record holds its round: no run saw another half done.
    const records = await all(cache.changes({ model: 'Shared' }));
    expect(records).toHaveLength(150);
    expect(new Set(records.map((record) => record.round)).size).toBe(1);
    const stats = await cache.stats();
    expect(stats.map((dataset) => [dataset.model, dataset.live, dataset.runs])).toEqual([
      ['Own0', 120, 1],
      ['Own1', 120, 1],
      ['Own2', 120, 1],
      ['Own3', 120, 1],
      ['Shared', 150, 8],
    ]);
  });

  it('a save overlapping a prune, a prune up to a cursor and a reset: each is applied whole', async () => {
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    const cache = await cacheOn(await freshStore(kind), () => clock.now);
    await cache.save({ model: 'Old' }, lines('a', 100));
    await cache.save({ model: 'Kept' }, lines('k', 100));
    const last = (await all(cache.changes({ model: 'Kept' }))).at(-1)!;
    const day = 86_400_000;
    clock.now += 10 * day;
    const [saved, pruned, prunedUntil, reset] = await Promise.all([
      cache.save({ model: 'New' }, lines('n', 100)),
      cache.prune({ payloadTtl: 5 * day, datasetTtl: 100 * day, dataset: { model: 'Old' } }),
      cache.pruneUntil({ model: 'Kept' }, last._nango_metadata.cursor, { limit: 60 }),
      cache.reset({ model: 'Old' }),
    ]);
    expect(saved).toMatchObject({ added: 100 });
    expect(reset).toBe(100);
    // The prune of Old came either before its reset (100 payloads) or after it (none left).
    expect([0, 100]).toContain(pruned.pruned);
    expect(prunedUntil).toMatchObject({ count: 60, hasMore: true });
    const counts = Object.fromEntries((await cache.stats()).map((dataset) => [dataset.model, [dataset.live, dataset.pruned]]));
    expect(counts).toEqual({ Kept: [100, 60], New: [100, 0], Old: [0, 0] });
  });

  it('a read while a save is open sees none of its records until it commits', async () => {
    const cache = await cacheOn(await freshStore(kind));
    await cache.save({ model: 'M' }, ['{"id":"before"}']);
    // Two full batches of lines large enough to go to the store one at a time: once the second is
    // read, the first has been written in the open run.
    const source = heldSource(lines('r', 4000, { pad: 'x'.repeat(200) }));
    let read!: () => void;
    const twoBatches = new Promise<void>((resolve) => (read = resolve));
    const saving = cache.save({ model: 'M' }, source.lines, { onProgress: (count) => count >= 4000 && read() });
    await twoBatches;
    expect((await all(cache.changes({ model: 'M' }))).map((record) => record.id)).toEqual(['before']);
    expect(await cache.record({ model: 'M' }, 'r0')).toBeUndefined();
    expect((await cache.stats()).map((dataset) => dataset.live)).toEqual([1]);
    source.release();
    expect(await saving).toMatchObject({ added: 4000 });
    expect(await all(cache.changes({ model: 'M' }))).toHaveLength(4001);
  });

  it('reads are answered while saves of many datasets hold their runs open, and each save then commits', async () => {
    const cache = await cacheOn(await freshStore(kind));
    await cache.save({ model: 'Read' }, ['{"id":"r"}']);
    const held = Array.from({ length: 8 }, () => heldSource(lines('h', 2000, { pad: 'x'.repeat(200) })));
    let begun = 0;
    let enough!: () => void;
    // As many as the store writes at once are open; the others wait for their turn.
    const opened = new Promise<void>((resolve) => (enough = resolve));
    const saves = held.map((source, n) =>
      cache.save({ model: `Held${n}` }, source.lines, { onProgress: () => ++begun === (kind === 'postgres' ? 6 : 1) && enough() }),
    );
    await opened;
    expect((await all(cache.changes({ model: 'Read' }))).map((record) => record.id)).toEqual(['r']);
    expect(await cache.stats()).toHaveLength(1);
    for (const source of held) source.release();
    for (const summary of await Promise.all(saves)) expect(summary).toMatchObject({ added: 2000 });
  });

  it('a follower sees every record of saves made while it follows, once each, in order', async () => {
    const cache = await cacheOn(await freshStore(kind));
    const stop = new AbortController();
    const following = all(cache.follow({ model: 'F' }, { limit: 500, interval: 20, signal: stop.signal }));
    const saves = Array.from({ length: 5 }, (_, n) => cache.save({ model: 'F' }, lines(`f${n}-`, 100)));
    await Promise.all(saves);
    const seen: CacheRecord[] = await following;
    expect(seen).toHaveLength(500);
    expect(new Set(seen.map((record) => record.id)).size).toBe(500);
    const positions = seen.map((record) => decodeCursor(record._nango_metadata.cursor).position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('rcache serve: 50 prunes at once mixed with reads all answer 200, and every count is exact', async () => {
    const location = await freshStore(kind);
    const seeding = await openCache(location);
    await seeding.save({ model: 'Contact' }, lines('c', 200));
    const records = await all(seeding.changes({ model: 'Contact' }));
    await seeding.close();
    // With the server's own busy timeout (1 s): a prune waits as long as the ones before it keep ending.
    const server = await startServe(location);
    const headers = { 'Provider-Config-Key': 'default', 'Connection-Id': 'default', 'Content-Type': 'application/json' };
    const untilCursor = records[199]!._nango_metadata.cursor;
    const prune = () =>
      fetch(`${server.url}/records/prune`, { method: 'PATCH', headers, body: JSON.stringify({ model: 'Contact', until_cursor: untilCursor, limit: 4 }) });
    const list = () => fetch(`${server.url}/records?model=Contact&limit=1000`, { headers });
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? prune() : list())));
    const bodies = await Promise.all(responses.map((response) => response.json() as Promise<Record<string, any>>));
    expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200));
    const prunes = bodies.filter((_, i) => i % 2 === 0);
    expect(prunes.map((body) => body.count)).toEqual(Array(50).fill(4));
    expect(prunes.filter((body) => body.has_more === false)).toHaveLength(1);
    for (const body of bodies.filter((_, i) => i % 2 === 1)) expect(body.records).toHaveLength(200);
    const after = await cacheOn(location);
    expect((await after.stats()).map((dataset) => dataset.pruned)).toEqual([200]);
  });
});
