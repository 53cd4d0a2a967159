// Checkpoints through the library, on every store: saved in the same transaction as a run's
// records, conditional on their version, written alone, cleared by a reset or an expiry.
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointConflictError, InvalidArgumentError, openCache, StoreError, type Cache, type Store, type StoreOpener } from '../src/index.js';
import { openSqliteStore } from '../src/stores/sqlite/sqlite-store.js';
import { tempDir } from './helpers.js';
import { freshStore, STORES } from './stores.js';

const open: Cache[] = [];
afterEach(async () => {
  for (const cache of open.splice(0)) await cache.close();
});

let clock = Date.parse('2024-05-01T10:00:00.000Z');
const now = () => clock;

async function cacheOn(location: string): Promise<Cache> {
  const cache = await openCache(location, { now });
  open.push(cache);
  return cache;
}

const CONTACTS = { model: 'Contact' };
const page = (from: number, count: number, fields: object = {}) => Array.from({ length: count }, (_, i) => JSON.stringify({ id: `c${from + i}`, ...fields }));

async function ids(cache: Cache, dataset = CONTACTS): Promise<string[]> {
  const out: string[] = [];
  for await (const record of cache.changes(dataset)) out.push(record.id);
  return out;
}

/** What a failed write must leave as it was: the stream, the figures, the run history and the checkpoint. */
async function snapshot(cache: Cache) {
  return { ids: await ids(cache), stats: await cache.stats(), runs: await cache.runs(), checkpoint: await cache.checkpoint(CONTACTS, { text: true }) };
}

describe.each(STORES)('checkpoints through the library (%s)', (kind) => {
  it('a save carrying a checkpoint stores both; one never given reads version 0', async () => {
    const cache = await cacheOn(await freshStore(kind));
    expect(await cache.checkpoint(CONTACTS)).toEqual({ checkpoint: null, version: 0, updatedAt: null });
    clock += 1000;
    const summary = await cache.save(CONTACTS, page(0, 3), { checkpoint: { after: 'p1', seen: [1, 2] }, expectVersion: 0 });
    expect(summary.added).toBe(3);
    expect(await cache.checkpoint(CONTACTS)).toEqual({ checkpoint: { after: 'p1', seen: [1, 2] }, version: 1, updatedAt: clock });
    expect(await ids(cache)).toEqual(['c0', 'c1', 'c2']);
    // Given as text, a number keeps its digits, and the keys their order.
    await cache.save(CONTACTS, page(3, 1), { checkpoint: '{"z": 12345678901234567890123, "a": 1.50}' });
    expect((await cache.checkpoint(CONTACTS, { text: true })).checkpoint).toBe('{"z":12345678901234567890123,"a":1.50}');
    expect((await cache.checkpoint(CONTACTS)).version).toBe(2);
    expect(await cache.checkpoint({ model: 'Other' })).toEqual({ checkpoint: null, version: 0, updatedAt: null });
  });

  it('a stale expectVersion writes nothing of the run, on save, delete and update alike', async () => {
    const cache = await cacheOn(await freshStore(kind));
    await cache.save(CONTACTS, page(0, 5), { checkpoint: { after: 'p1' } });
    await cache.setCheckpoint(CONTACTS, { after: 'p2' });
    const before = await snapshot(cache);
    expect(before.checkpoint.version).toBe(2);
    const attempts = [
      () => cache.save(CONTACTS, page(0, 8, { v: 2 }), { checkpoint: { after: 'p9' }, expectVersion: 1 }),
      () => cache.delete(CONTACTS, { ids: ['c0', 'c1'] }, { checkpoint: { after: 'p9' }, expectVersion: 1 }),
      () => cache.update(CONTACTS, ['{"id":"c2","v":3}'], { checkpoint: { after: 'p9' }, expectVersion: 3 }),
      () => cache.save(CONTACTS, [], { checkpoint: { after: 'p9' }, expectVersion: 0 }),
    ];
    for (const attempt of attempts) {
      const error = await attempt().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CheckpointConflictError);
      expect(error).toMatchObject({ model: 'Contact', version: 2 });
      expect((error as Error).message).toMatch(/^the checkpoint of Contact is at version 2, not \d as expected .*: nothing was saved$/);
      expect(await snapshot(cache)).toEqual(before);
    }
    await cache.delete(CONTACTS, { ids: ['c0'] }, { checkpoint: { after: 'p3' }, expectVersion: 2 });
    expect(await cache.checkpoint(CONTACTS)).toMatchObject({ checkpoint: { after: 'p3' }, version: 3 });
    expect((await cache.stats())[0]).toMatchObject({ live: 4, deleted: 1 });
  });

  it('a delete or an update carrying a checkpoint creates its dataset to hold it', async () => {
    const cache = await cacheOn(await freshStore(kind));
    await cache.save({ model: 'Seed' }, page(0, 1));
    const result = await cache.delete(CONTACTS, { ids: ['nobody'] }, { checkpoint: { events_after: 'e-9' } });
    expect(result.unknown).toBe(1);
    await cache.update({ model: 'Deal' }, ['{"id":"d1","x":1}'], { checkpoint: { since: 't1' }, expectVersion: 0 });
    expect(await cache.checkpoint(CONTACTS)).toMatchObject({ checkpoint: { events_after: 'e-9' }, version: 1 });
    expect(await cache.checkpoint({ model: 'Deal' })).toMatchObject({ checkpoint: { since: 't1' }, version: 1 });
    expect((await cache.stats()).map((dataset) => [dataset.model, dataset.live, dataset.runs])).toEqual([
      ['Contact', 0, 1],
      ['Deal', 0, 1],
      ['Seed', 1, 1],
    ]);
  });

  it('setCheckpoint and clearCheckpoint write it alone, each write counting one; a conflict changes nothing', async () => {
    const cache = await cacheOn(await freshStore(kind));
    clock += 1000;
    expect(await cache.setCheckpoint(CONTACTS, { after: 'p1' }, { expectVersion: 0 })).toEqual({ checkpoint: { after: 'p1' }, version: 1, updatedAt: clock });
    expect(await cache.setCheckpoint(CONTACTS, '{"after":"p2", "n": 1e400}', { text: true })).toMatchObject({
      checkpoint: '{"after":"p2","n":1e400}',
      version: 2,
    });
    await expect(cache.setCheckpoint(CONTACTS, { after: 'p3' }, { expectVersion: 1 })).rejects.toThrow(
      'the checkpoint of Contact is at version 2, not 1 as expected (it was written after it was read): the checkpoint was not changed',
    );
    await expect(cache.clearCheckpoint(CONTACTS, { expectVersion: 0 })).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await cache.checkpoint(CONTACTS, { text: true })).toMatchObject({ checkpoint: '{"after":"p2","n":1e400}', version: 2 });
    clock += 1000;
    expect(await cache.clearCheckpoint(CONTACTS, { expectVersion: 2 })).toEqual({ checkpoint: null, version: 3, updatedAt: clock });
    expect(await cache.checkpoint(CONTACTS)).toEqual({ checkpoint: null, version: 3, updatedAt: clock });
    // Written alone, it is no run: the history and the figures stay as they were.
    expect(await cache.runs()).toEqual([]);
    expect(await cache.stats()).toEqual([]);
  });

  it('a checkpoint written alone is a commit: a program waiting for one wakes', async () => {
    const cache = await cacheOn(await freshStore(kind));
    await cache.save(CONTACTS, page(0, 1));
    const version = await cache.version();
    const signal = AbortSignal.timeout(20_000);
    const waited = cache.waitForCommit(version, { interval: 20, signal });
    await cache.setCheckpoint(CONTACTS, { after: 'p1' });
    expect((await waited).reason).toBe('committed');
  });

  it('a reset or an expiry clears the checkpoint and counts as a write of it: a version read before no longer matches', async () => {
    const cache = await cacheOn(await freshStore(kind));
    await cache.save(CONTACTS, page(0, 3), { checkpoint: { after: 'p1' } });
    const { version } = await cache.checkpoint(CONTACTS);
    clock += 1000;
    expect(await cache.reset(CONTACTS)).toBe(3);
    expect(await cache.checkpoint(CONTACTS)).toEqual({ checkpoint: null, version: version + 1, updatedAt: clock });
    await expect(cache.save(CONTACTS, page(0, 3), { checkpoint: { after: 'p2' }, expectVersion: version })).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await ids(cache)).toEqual([]);
    await cache.save(CONTACTS, page(0, 3), { checkpoint: { after: 'p2' }, expectVersion: version + 1 });
    expect(await cache.checkpoint(CONTACTS)).toMatchObject({ checkpoint: { after: 'p2' }, version: version + 2 });

    clock += 90 * 24 * 3600 * 1000;
    expect((await cache.prune({ payloadTtl: 1000, datasetTtl: 1000 })).datasetsExpired).toBe(1);
    expect(await cache.checkpoint(CONTACTS)).toEqual({ checkpoint: null, version: version + 3, updatedAt: clock });
    // A dataset that never had one stays at version 0; a checkpoint set alone on no dataset is cleared by a reset too.
    await cache.save({ model: 'Plain' }, page(0, 1));
    await cache.reset({ model: 'Plain' });
    expect((await cache.checkpoint({ model: 'Plain' })).version).toBe(0);
    await cache.setCheckpoint({ model: 'Alone' }, { after: 'x' });
    expect(await cache.reset({ model: 'Alone' })).toBe(0);
    expect(await cache.checkpoint({ model: 'Alone' })).toMatchObject({ checkpoint: null, version: 2 });
    expect(await cache.reset({ model: 'Nothing' })).toBeUndefined();
  });

  it('of two caches saving from the same version at once, one commits and the other writes nothing', async () => {
    const location = await freshStore(kind);
    const [first, second] = [await cacheOn(location), await cacheOn(location)];
    await first.save(CONTACTS, page(0, 2), { checkpoint: { after: 'p0' } });
    const outcomes = await Promise.allSettled([
      first.save(CONTACTS, page(0, 400, { by: 'first' }), { checkpoint: { after: 'p1', by: 'first' }, expectVersion: 1 }),
      second.save(CONTACTS, page(0, 400, { by: 'second' }), { checkpoint: { after: 'p1', by: 'second' }, expectVersion: 1 }),
    ]);
    const won = outcomes.findIndex((outcome) => outcome.status === 'fulfilled');
    expect(outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome as PromiseRejectedResult).reason)).toEqual([
      expect.any(CheckpointConflictError),
    ]);
    const winner = won === 0 ? 'first' : 'second';
    expect(await first.checkpoint(CONTACTS)).toMatchObject({ checkpoint: { after: 'p1', by: winner }, version: 2 });
    const records = [];
    for await (const record of first.changes(CONTACTS)) records.push(record);
    expect(new Set(records.map((record) => record.by))).toEqual(new Set([winner]));
    expect(await first.runs()).toHaveLength(2);
  });

  it('refuses, before anything is written, a checkpoint that is no object or over 64 KiB, a bad expectVersion, or an option no call takes', async () => {
    const cache = await cacheOn(await freshStore(kind));
    await cache.save(CONTACTS, page(0, 1), { checkpoint: { after: 'p1' } });
    const before = await snapshot(cache);
    // {"pad":"…"} is 10 bytes more than its padding.
    const big = { pad: 'x'.repeat(64 * 1024 - 9) };
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => cache.save(CONTACTS, page(5, 1), { checkpoint: [1, 2] as never }), /^checkpoint must be a plain object .*not an array$/],
      [() => cache.save(CONTACTS, page(5, 1), { checkpoint: '"text"' }), /^checkpoint must be a JSON object, not a string$/],
      [() => cache.save(CONTACTS, page(5, 1), { checkpoint: 'null' }), /^checkpoint must be a JSON object, not null$/],
      [() => cache.save(CONTACTS, page(5, 1), { checkpoint: '{"a":' }), /^checkpoint is not valid JSON/],
      [() => cache.save(CONTACTS, page(5, 1), { checkpoint: new Date() as never }), /^checkpoint must be a plain object/],
      [() => cache.save(CONTACTS, page(5, 1), { checkpoint: big }), /^checkpoint must be at most 64 KiB of JSON text, not 65537 bytes/],
      [() => cache.save(CONTACTS, page(5, 1), { checkpoint: { a: 1n } as never }), /^checkpoint cannot be written as JSON/],
      [() => cache.save(CONTACTS, page(5, 1), { checkpoint: {}, expectVersion: -1 }), /^expectVersion must be a whole number of 0 or more, not -1$/],
      [() => cache.save(CONTACTS, page(5, 1), { checkpoint: {}, expectVersion: '1' as never }), /^expectVersion must be a whole number .*not '1'$/],
      [() => cache.save(CONTACTS, page(5, 1), { expectVersion: 1 }), /^expectVersion applies only with a checkpoint/],
      [() => cache.delete(CONTACTS, { ids: ['c0'] }, { checkPoint: {} } as never), /^checkPoint is not an option of delete: did you mean checkpoint\?$/],
      [() => cache.setCheckpoint(CONTACTS, '[]'), /^checkpoint must be a JSON object, not an array$/],
      [
        () => cache.setCheckpoint(CONTACTS, {}, { expectedVersion: 1 } as never),
        /^expectedVersion is not an option of setCheckpoint: did you mean expectVersion\?$/,
      ],
      [() => cache.clearCheckpoint(CONTACTS, { expectVersion: 1.5 }), /^expectVersion must be a whole number/],
      [() => cache.checkpoint(CONTACTS, { txt: true } as never), /^txt is not an option of checkpoint: did you mean text\?$/],
    ];
    for (const [call, message] of cases) {
      const error = await call().catch((caught: unknown) => caught);
      expect(error, String(message)).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(message);
    }
    // 64 KiB exactly is taken.
    await cache.setCheckpoint(CONTACTS, { pad: 'x'.repeat(64 * 1024 - 10) });
    expect((await cache.checkpoint(CONTACTS)).version).toBe(2);
    expect({ ...(await snapshot(cache)), checkpoint: before.checkpoint }).toEqual(before);
  });
});

describe('a store that keeps no checkpoints', () => {
  it('has none to read, and refuses a write that carries one, saving nothing', async () => {
    const dir = tempDir();
    const opener: StoreOpener = async (location, options) => {
      const inner: Store = await openSqliteStore(`${dir}/${location.slice('plain:'.length)}`, options);
      return new Proxy(inner, {
        get(target, key) {
          if (key === 'readCheckpoint' || key === 'writeCheckpoint') return undefined;
          const value = Reflect.get(target, key) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    };
    const cache = await openCache('plain:cache.db', { stores: { 'plain:': opener } });
    open.push(cache);
    expect(await cache.checkpoint(CONTACTS)).toEqual({ checkpoint: null, version: 0, updatedAt: null });
    await expect(cache.save(CONTACTS, page(0, 1), { checkpoint: { a: 1 } })).rejects.toThrow(StoreError);
    await expect(cache.setCheckpoint(CONTACTS, { a: 1 })).rejects.toThrow('keeps no checkpoints');
    expect(await cache.stats()).toEqual([]);
  });
});
