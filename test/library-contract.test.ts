import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cache as CacheClass } from '../src/cache/cache.js';
import { openCache, type Cache } from '../src/index.js';
import { openStore } from '../src/stores/open.js';
import type { Store } from '../src/stores/store.js';
import { tempDir } from './helpers.js';
import { freshStore, STORES, type StoreKind } from './stores.js';

const open: Cache[] = [];
afterEach(async () => {
  for (const cache of open.splice(0)) await cache.close();
});

/** A cache on a fresh store of this kind, whose clock the test sets. */
async function clocked(kind: StoreKind, start: number) {
  const clock = { now: start };
  const path = await freshStore(kind);
  const cache = await openCache(path, { now: () => clock.now });
  open.push(cache);
  return { cache, clock, path };
}

describe.each(STORES)('a clock that steps back, on %s', (store) => {
  it('never makes a run last longer than it did, nor moves the last run of a dataset back', async () => {
    const later = Date.parse('2026-06-01T00:00:00Z');
    const { cache, clock } = await clocked(store, later);
    await cache.save({ model: 'M' }, ['{"id":1}', '{"id":2}']);
    clock.now = later - 76_000_000_000;
    await cache.save({ model: 'M' }, ['{"id":3}']);
    await cache.pruneUntil({ model: 'M' }, (await cache.changes({ model: 'M' }).next()).value!._nango_metadata.cursor);
    await cache.reset({ model: 'M' });
    const runs = await cache.runs();
    expect(runs.map((run) => run.kind)).toEqual(['save', 'save', 'prune', 'reset']);
    for (const run of runs) {
      expect(run.finishedAt - run.startedAt).toBeLessThan(60_000);
      expect(run.startedAt).toBeGreaterThanOrEqual(later);
    }
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.startedAt).toBeGreaterThanOrEqual(runs[i - 1]!.finishedAt);
    const [stats] = await cache.stats();
    expect(stats!.lastRunAt).toBeGreaterThanOrEqual(later);
  });
});

describe.each(STORES)('arguments a program gets wrong, on %s', (store) => {
  it('a limit, filter or id of the wrong kind is an InvalidArgumentError naming it, never a store failure or silence', async () => {
    const { cache } = await clocked(store, Date.parse('2026-01-01T00:00:00Z'));
    await cache.save({ model: 'M' }, ['{"id":1}', '{"id":2}']);
    const read = async (options: object) => {
      const out = [];
      for await (const record of cache.changes({ model: 'M' }, options)) out.push(record.id);
      return out;
    };
    for (const limit of [1.5, -1, Number.NaN, '2'])
      await expect(read({ limit }), String(limit)).rejects.toThrow(/^limit: must be a whole number, 0 or more, not /);
    await expect(read({ limit: 1 })).resolves.toEqual(['1']);
    await expect(read({ modifiedAfter: Number.NaN })).rejects.toThrow(/^modifiedAfter: /);
    await expect(read({ ids: [1] })).rejects.toThrow(/^ids: must be a list of strings/);
    await expect(read({ actions: ['added'] })).rejects.toThrow(/^actions: must be a list of ADDED, UPDATED, DELETED/);
    await expect(cache.follow({ model: 'M' }, { interval: -5 }).next()).rejects.toThrow(/^interval: /);
    const reader = await cache.reader({ model: 'M' });
    await expect(reader.next(2.5)).rejects.toThrow(/^limit: /);
    const deleting = cache.delete({ model: 'M' }, { ids: [7] as unknown as string[] });
    await expect(deleting).rejects.toThrow(/^invalid id: 7 is not a string/);
    await expect(deleting).rejects.toHaveProperty('name', 'InvalidArgumentError');
    expect((await cache.stats())[0]).toMatchObject({ live: 2, deleted: 0 });
  });

  it('an aborted signal ends a write with InterruptedError, nothing saved', async () => {
    const { cache } = await clocked(store, Date.parse('2026-01-01T00:00:00Z'));
    const controller = new AbortController();
    controller.abort();
    await expect(cache.save({ model: 'M' }, ['{"id":1}'], { signal: controller.signal })).rejects.toHaveProperty('name', 'InterruptedError');
    await expect(cache.delete({ model: 'M' }, { ids: ['1'] }, { signal: controller.signal })).rejects.toHaveProperty('name', 'InterruptedError');
    async function* slow() {
      yield '{"id":1}';
      controller2.abort();
      yield '{"id":2}';
    }
    const controller2 = new AbortController();
    await expect(cache.save({ model: 'M' }, slow(), { signal: controller2.signal })).rejects.toThrow(
      /^interrupted by its AbortSignal: nothing from this run was saved$/,
    );
    expect(await cache.stats()).toEqual([]);
  });
});

describe.each(STORES)('a rejects file, on %s', (store) => {
  it('that is an input of the run is refused before anything is read, and the input is intact', async () => {
    const { cache } = await clocked(store, Date.parse('2026-01-01T00:00:00Z'));
    await cache.save({ model: 'M' }, ['{"id":1}']);
    const input = join(tempDir(), 'in.ndjson');
    writeFileSync(input, '{"id":3}\nbad\n');
    await expect(cache.save({ model: 'M' }, { files: [input] }, { skipInvalid: true, rejects: input })).rejects.toThrow(
      `rejects ${input} is an input of this run (${input})`,
    );
    expect(readFileSync(input, 'utf8')).toBe('{"id":3}\nbad\n');
    expect((await cache.stats())[0]).toMatchObject({ model: 'M', live: 1 });
  });
});

// SQLite only: only there is the database a file (with its -wal and -journal) that a rejects file could name.
describe('a rejects file, on sqlite', () => {
  it('that names the database or one of its files is refused before anything is read, and the database is intact', async () => {
    const { cache, path } = await clocked('sqlite', Date.parse('2026-01-01T00:00:00Z'));
    await cache.save({ model: 'M' }, ['{"id":1}']);
    let read = false;
    function* lines() {
      read = true;
      yield '{"id":2}';
      yield 'not json';
    }
    const link = join(dirname(path), 'link.db');
    symlinkSync(path, link);
    for (const [rejects, message] of [
      [path, 'is the database: name another file'],
      [link, 'is the database: name another file'],
      [`${path}-wal`, 'is the database (its wal file): name another file'],
      [`${path}-journal`, 'is the database (its journal file): name another file'],
    ] as const) {
      const saving = cache.save({ model: 'M' }, lines(), { skipInvalid: true, rejects });
      await expect(saving).rejects.toThrow(`rejects ${rejects} ${message}`);
      await expect(saving).rejects.toHaveProperty('name', 'InvalidArgumentError');
      await expect(cache.update({ model: 'M' }, lines(), { skipInvalid: true, rejects })).rejects.toThrow(message);
      await expect(cache.delete({ model: 'M' }, lines(), { skipInvalid: true, rejects })).rejects.toThrow(message);
    }
    expect(read).toBe(false);
    await cache.close();
    open.pop();
    expect(readFileSync(path).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    const again = await openCache(path);
    open.push(again);
    expect((await again.stats())[0]).toMatchObject({ model: 'M', live: 1 });
  });
});

describe.each(STORES)('a reset between finding the dataset and reading its first page, on %s', (kind) => {
  it('the first page is read from the dataset as it is now, not failed', async () => {
    const { cache, path } = await clocked(kind, Date.parse('2026-01-01T00:00:00Z'));
    await cache.save({ model: 'M' }, ['{"id":1}', '{"id":2}']);
    const store = await openStore(path, {});
    let resets = 0;
    // The same database through another connection, reset by a writer just after this reader found the dataset.
    const racing: Store = Object.create(store, {
      findDataset: {
        value: async (dataset: Parameters<Store['findDataset']>[0]) => {
          const ref = await store.findDataset(dataset);
          if (resets++ === 0) {
            await cache.reset({ model: 'M' });
            await cache.save({ model: 'M' }, ['{"id":3}']);
          }
          return ref;
        },
      },
    });
    const reading = new CacheClass(racing, () => Date.now());
    open.push(reading);
    const ids = [];
    for await (const record of reading.changes({ model: 'M' })) ids.push(record.id);
    expect(ids).toEqual(['3']);
    expect(resets).toBe(2);
    // After a page was read, a reset is reported: the reader has missed hard deletions.
    const reader = await reading.reader({ model: 'M' });
    expect(await reader.next(10)).toHaveLength(1);
    await cache.reset({ model: 'M' });
    await expect(reader.next(10)).rejects.toMatchObject({ name: 'ResyncRequiredError', reason: 'reset' });
  });
});
