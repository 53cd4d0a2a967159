// What a program sees of the library: options checked by name, results in one casing, numbers
// with every digit where it asks for them.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, openCache, type Cache } from '../src/index.js';
import { fixtureFor } from './store-fixtures.js';
import { freshStore, STORES, type StoreKind } from './stores.js';

const open: Cache[] = [];
afterEach(async () => {
  for (const cache of open.splice(0)) await cache.close();
});

async function fresh(kind: StoreKind): Promise<Cache> {
  const cache = await openCache(await freshStore(kind));
  open.push(cache);
  return cache;
}

async function all<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterator) out.push(item);
  return out;
}

/** The error a call fails with, or undefined when it succeeds. */
async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.each(STORES)('options a program misspells, on %s', (store) => {
  const M = { model: 'M' };
  // None of these calls may write anything: one cache serves them all, and is seen empty after each.
  let shared: Promise<Cache> | undefined;
  afterAll(async () => (await shared)?.close());
  const cases: { call: string; run: (cache: Cache) => Promise<unknown>; message: RegExp }[] = [
    {
      call: 'save',
      run: (c) => c.save(M, ['{"id":1}'], { fullrefresh: true } as object),
      message: /^fullrefresh is not an option of save: did you mean fullRefresh\?$/,
    },
    {
      call: 'save',
      run: (c) => c.save(M, ['{"id":1}'], { ignore_fields: ['a'] } as object),
      message: /^ignore_fields is not an option of save: did you mean ignoreFields\?$/,
    },
    {
      call: 'delete',
      run: (c) => c.delete(M, { ids: ['1'] }, { skipInvalids: true } as object),
      message: /^skipInvalids is not an option of delete: did you mean skipInvalid\?$/,
    },
    {
      call: 'update',
      run: (c) => c.update(M, ['{"id":1}'], { ignoreField: ['a'] } as object),
      message: /^ignoreField is not an option of update: did you mean ignoreFields\?$/,
    },
    { call: 'changes', run: (c) => all(c.changes(M, { curser: 'x' } as object)), message: /^curser is not an option of changes: did you mean cursor\?$/ },
    { call: 'follow', run: (c) => all(c.follow(M, { intervall: 5 } as object)), message: /^intervall is not an option of follow: did you mean interval\?$/ },
    {
      call: 'prune',
      run: (c) => c.prune({ payloadTtl: 1, datasetTtl: 1, dry_run: true } as never),
      message: /^dry_run is not an option of prune: did you mean dryRun\?$/,
    },
    {
      call: 'pruneUntil',
      run: (c) => c.pruneUntil(M, 'x', { vacuum: true } as object),
      message: /^vacuum is not an option of pruneUntil \(its options: limit, dryRun, compact\)$/,
    },
    { call: 'changes', run: (c) => all(c.changes(M, 'oldest-first' as never)), message: /^the options of changes must be an object, not string$/ },
  ];
  for (const { call, run, message } of cases) {
    it(`${call}: ${message.source.slice(1, 40)}… is an InvalidArgumentError naming the option, and nothing is written`, async () => {
      const cache = await (shared ??= freshStore(store).then((location) => openCache(location)));
      const error = await failure(() => run(cache));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(message);
      expect(await cache.runs()).toEqual([]);
      expect(await cache.stats()).toEqual([]);
    });
  }

  it('openCache({ readOnly }) is refused before anything is created', async () => {
    const location = await freshStore(store);
    const error = await failure(() => openCache(location, { readOnly: true } as object));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).what).toBe('readOnly');
    expect((error as Error).message).toBe('readOnly is not an option of openCache: did you mean readonly?');
    expect(fixtureFor(location).holdsCache(location)).toBe(false);
  });
});

describe.each(STORES)('results a program reads, on %s', (store) => {
  it('prune and pruneUntil answer in camelCase, as every other call does', async () => {
    const cache = await fresh(store);
    await cache.save({ model: 'M' }, ['{"id":1}', '{"id":2}']);
    const [first] = await all(cache.changes({ model: 'M' }, { limit: 1 }));
    expect(await cache.pruneUntil({ model: 'M' }, first!._nango_metadata.cursor)).toEqual({ count: 1, hasMore: false, reclaimedBytes: 0 });
    expect(await cache.prune({ payloadTtl: 0, datasetTtl: 1e12 })).toEqual({ pruned: 1, datasetsExpired: 0, recordsDeleted: 0, reclaimedBytes: 0 });
  });

  it('with text, changes() and follow() give each record as the CLI prints it, every digit of its numbers kept', async () => {
    const cache = await fresh(store);
    await cache.save({ model: 'M' }, ['{"id":"big","n":12345678901234567890,"x":0.1000000000000000055511151231257827}']);
    const [object] = await all(cache.changes({ model: 'M' }));
    expect(object!.n).toBe(12345678901234567000);
    const [text] = await all(cache.changes({ model: 'M' }, { text: true }));
    expect(text).toMatch(/^\{"id":"big","n":12345678901234567890,"x":0\.1000000000000000055511151231257827,"_nango_metadata":\{"first_seen_at":"/);
    expect(JSON.parse(text!)._nango_metadata.cursor).toBe(object!._nango_metadata.cursor);
    const followed = await all(cache.follow({ model: 'M' }, { text: true, limit: 1 }));
    expect(followed).toEqual([text]);
  });

  it('a dataset name follows one rule everywhere: not blank, at most 255 characters', async () => {
    const cache = await fresh(store);
    await expect(cache.save({ model: ' ' }, [])).rejects.toThrow(/^model must not be empty$/);
    await expect(cache.save({ model: 'M', connection: 'c'.repeat(256) }, [])).rejects.toThrow(/^connection must be at most 255 characters$/);
    expect(await cache.save({ model: '😀'.repeat(255) }, ['{"id":1}'])).toMatchObject({ added: 1 });
  });
});
