import { describe, expect, it, vi } from 'vitest';
import { IgnoreFields } from '../src/decisions/canonical.js';
import { DAY } from '../src/decisions/duration.js';
import { prepareRecord } from '../src/decisions/record.js';
import type { Cache, Dataset } from '../src/index.js';
import { at, CONTACTS, changes, cursorAt, freshCache, prune, remove, save, snapshot, stored, update } from './library.js';
import { STORES } from './stores.js';

// From the TypeScript sources there is no built prepare-worker.js for a save of several batches to
// start: lines are prepared on the test's thread, as where no thread fits. The built binary's tests
// cover the worker.
vi.mock('../src/cache/address-space.js', () => ({ roomForThread: () => false }));

function fullRefresh(cache: Cache, records: unknown[], allowEmpty = false, maxDelete?: string) {
  return save(cache, records, [], CONTACTS, { fullRefresh: true, allowEmpty, maxDelete });
}

async function pruneUntil(cache: Cache, dataset: Dataset, position: number, limit?: number) {
  return cache.pruneUntil(dataset, await cursorAt(cache, position), { limit });
}

function reset(cache: Cache, dataset: Dataset) {
  return cache.reset(dataset);
}

function datasetStats(cache: Cache) {
  return cache.stats();
}

function runHistory(cache: Cache, filter?: Partial<Dataset>) {
  return cache.runs({ dataset: filter });
}

/** The kept counters must equal what a full scan of the records finds. */
async function expectExactCounts(cache: Cache): Promise<void> {
  const { datasets, records } = snapshot(cache);
  const scanned = datasets
    .map(({ id, integration, connection, model }) => {
      const rows = records.filter((row) => row.dataset_id === id);
      return {
        integration,
        connection,
        model,
        live: rows.filter((row) => row.deleted_at === null).length,
        deleted: rows.filter((row) => row.deleted_at !== null).length,
        pruned: rows.filter((row) => row.pruned_at !== null).length,
        bytes: rows.reduce((sum, row) => sum + (row.payload === null ? 0 : Buffer.byteLength(row.payload as string)), 0),
      };
    })
    .sort((a, b) => (`${a.integration}\0${a.connection}\0${a.model}` < `${b.integration}\0${b.connection}\0${b.model}` ? -1 : 1));
  expect(
    (await datasetStats(cache)).map(({ integration, connection, model, live, deleted, pruned, bytes }) => ({
      integration,
      connection,
      model,
      live,
      deleted,
      pruned,
      bytes,
    })),
  ).toEqual(scanned);
}

describe.each(STORES)('update, on %s', (store) => {
  it('deep-merges: objects merge key by key, arrays and scalars replace, null replaces', async () => {
    const cache = await freshCache(store);
    await save(cache, ['{"id":"a","name":"Ann","address":{"city":"Oslo","zip":"0150","geo":{"lat":1}},"tags":["x","y"],"phone":"123"}']);
    expect(await update(cache, [{ id: 'a', address: { city: 'Bergen', geo: { lng: 2 } }, tags: ['z'], phone: null, extra: true }])).toMatchObject({
      updated: 1,
    });
    expect(JSON.parse(stored(cache, 'a')!.payload)).toEqual({
      id: 'a',
      name: 'Ann',
      address: { city: 'Bergen', zip: '0150', geo: { lat: 1, lng: 2 } },
      tags: ['z'],
      phone: null,
      extra: true,
    });
    expect((await changes(cache))[0]).toMatchObject({ action: 'UPDATED' });
    await expectExactCounts(cache);
  });

  it('keeps key order and every digit of numbers in the merged payload', async () => {
    const cache = await freshCache(store);
    await save(cache, ['{"id":"a","2":"two","1":"one","big":12345678901234567890}']);
    await update(cache, ['{"id":"a","1":"uno"}']);
    expect(stored(cache, 'a')!.payload).toBe('{"id":"a","2":"two","1":"uno","big":12345678901234567890}');
  });

  it('a merge that changes nothing is not a change', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a', n: 1, o: { p: 1 } }]);
    const before = await changes(cache);
    expect(await update(cache, [{ id: 'a', o: { p: 1 } }])).toMatchObject({ unchanged: 1, updated: 0 });
    expect(await changes(cache)).toEqual(before);
  });

  it('unknown and deleted ids are skipped and counted as unknown', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }, { id: 'b' }]);
    await remove(cache, ['b']);
    expect(
      await update(cache, [
        { id: 'b', n: 1 },
        { id: 'zz', n: 1 },
      ]),
    ).toMatchObject({ unknown: 2, updated: 0 });
    expect(stored(cache, 'zz')).toBeUndefined();
    expect(stored(cache, 'b')!.payload).toBe('{"id":"b"}');
  });

  it('a partial that changes nothing is unchanged, also against a record whose hash was deferred', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a', n: 1, o: { p: 1 } }]);
    expect(stored(cache, 'a')!.hash).toBe('');
    expect(await update(cache, [{ id: 'a', o: { p: 1 } }])).toMatchObject({ unchanged: 1, updated: 0 });
    expect(await update(cache, [{ id: 'a', o: { p: 2 } }])).toMatchObject({ updated: 1 });
    expect(stored(cache, 'a')!.hash).toBe(prepareRecord('{"id":"a","n":1,"o":{"p":2}}', new IgnoreFields()).hash);
  });

  it("the stored hash is the merged payload's: saving the same content later is unchanged", async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a', n: 1, o: { p: 1 } }]);
    await update(cache, [{ id: 'a', o: { q: 2 } }]);
    expect(await save(cache, [{ o: { q: 2, p: 1 }, n: 1, id: 'a' }])).toMatchObject({ unchanged: 1 });
  });
});

describe.each(STORES)('save --full-refresh, on %s', (store) => {
  it('at scale: deletes exactly the live records missing from the input, whatever else the input does', async () => {
    const cache = await freshCache(store);
    // Padded so that the input spans several batches on every store (PostgreSQL's take 256 KiB).
    const pad = 'x'.repeat(48);
    const records = (from: number, to: number, n = 1) => Array.from({ length: to - from }, (_, i) => ({ id: `r${from + i}`, n, pad }));
    await save(cache, records(0, 12_000));
    await remove(cache, ['r5', 'r11999']);
    // r0-r10999 again (r0-r99 changed, so deleted r5 comes back; r100 twice), r12000-r12499 new;
    // r11000-r11999 missing.
    const input = [...records(0, 100, 2), ...records(100, 11_000), { id: 'r100', n: 1, pad }, ...records(12_000, 12_500)];
    expect(await fullRefresh(cache, input)).toMatchObject({ added: 501, updated: 99, unchanged: 10_900, deleted: 999, duplicates: 1 });
    const deleted = snapshot(cache)
      .records.filter((row) => row.deleted_at !== null)
      .sort((a, b) => (a.position as number) - (b.position as number))
      .map((row) => row.id);
    expect(deleted).toEqual(['r11999', ...records(11_000, 11_999).map((r) => r.id)]);
    await expectExactCounts(cache);
  });

  it('soft-deletes every live record the input did not contain, in the same run', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    await remove(cache, ['c']);
    expect(await fullRefresh(cache, [{ id: 'a' }, { id: 'd' }])).toMatchObject({ added: 1, unchanged: 1, deleted: 1 });
    expect((await changes(cache)).map((c) => [c.id, c.action])).toEqual([
      ['a', 'ADDED'],
      ['c', 'DELETED'],
      ['d', 'ADDED'],
      ['b', 'DELETED'],
    ]);
    expect((await runHistory(cache)).at(-1)).toMatchObject({ kind: 'save', added: 1, deleted: 1 });
    await expectExactCounts(cache);
  });

  it('refuses an empty input, changing nothing, unless empty input is allowed', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }, { id: 'b' }]);
    await expect(fullRefresh(cache, [])).rejects.toThrow(/^the input is empty: a full refresh would delete all 2 live records of Contact$/);
    expect((await datasetStats(cache))[0]).toMatchObject({ live: 2, deleted: 0, runs: 1 });
    expect(await fullRefresh(cache, [], true)).toMatchObject({ deleted: 2 });
    await expectExactCounts(cache);
  });

  it('only touches its own dataset', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }], [], { ...CONTACTS, model: 'Deal' });
    await save(cache, [{ id: 'a' }]);
    await fullRefresh(cache, [{ id: 'b' }], false, '100%');
    expect((await datasetStats(cache)).map((d) => [d.model, d.live, d.deleted])).toEqual([
      ['Contact', 1, 1],
      ['Deal', 1, 0],
    ]);
  });
});

describe.each(STORES)('prune, on %s', (store) => {
  const ttl = { payloadTtl: 30 * DAY, datasetTtl: 60 * DAY };

  it('drops payloads of records not changed for the payload TTL: just inside is kept, just outside pruned', async () => {
    const cache = await freshCache(store);
    at(cache, '2024-01-01T00:00:00.000Z');
    await save(cache, [{ id: 'old', n: 1 }]);
    at(cache, '2024-01-01T00:00:00.002Z');
    await save(cache, [{ id: 'young', n: 1 }]);
    at(cache, '2024-01-31T00:00:00.001Z');
    expect(await prune(cache, ttl)).toEqual({ pruned: 1, datasetsExpired: 0, recordsDeleted: 0 });
    expect(stored(cache, 'old')).toMatchObject({ payload: null, pruned_at: Date.parse('2024-01-31T00:00:00.001Z') });
    expect(stored(cache, 'young')!.payload).toBe('{"id":"young","n":1}');
    await expectExactCounts(cache);
  });

  it('a deferred hash is computed before the payload is dropped: the same content later is restored silently', async () => {
    const cache = await freshCache(store);
    at(cache, '2024-01-01T00:00:00Z');
    await save(cache, ['{"id":"a","o":{"y":1,"x":2}}', '{"id":"b","n":1}']);
    expect(stored(cache, 'a')!.hash).toBe('');
    at(cache, '2024-02-15T00:00:00Z');
    expect((await prune(cache, ttl)).pruned).toBe(2);
    expect(stored(cache, 'a')).toMatchObject({ payload: null, hash: prepareRecord('{"id":"a","o":{"x":2,"y":1}}', new IgnoreFields()).hash });
    expect(await save(cache, ['{"o":{"x":2,"y":1},"id":"a"}', '{"id":"b","n":2}'])).toMatchObject({ unchanged: 1, updated: 1 });
    expect(stored(cache, 'a')!.payload).toBe('{"o":{"x":2,"y":1},"id":"a"}');
    await expectExactCounts(cache);
  });

  it('pruning is not a change: the record keeps its position, id, timestamps and hash', async () => {
    const cache = await freshCache(store);
    at(cache, '2024-01-01T00:00:00Z');
    await save(cache, [{ id: 'a', n: 1 }]);
    const before = (await changes(cache))[0]!;
    at(cache, '2024-03-01T00:00:00Z');
    await save(cache, [{ id: 'keep-dataset-alive' }], [], { ...CONTACTS, model: 'Other' });
    await prune(cache, { payloadTtl: 30 * DAY, datasetTtl: 365 * DAY });
    const after = (await changes(cache))[0]!;
    expect(after).toEqual({ ...before, payload: null, prunedAt: Date.parse('2024-03-01T00:00:00Z') });
  });

  it('a pruned record saved again identically is restored silently; with other data it is UPDATED', async () => {
    const cache = await freshCache(store);
    at(cache, '2024-01-01T00:00:00Z');
    await save(cache, [
      { id: 'a', n: 1 },
      { id: 'b', n: 1 },
    ]);
    at(cache, '2024-02-15T00:00:00Z');
    await prune(cache, ttl);
    const positionBefore = (await changes(cache)).find((c) => c.id === 'a')!.position;
    expect(
      await save(cache, [
        { n: 1, id: 'a' },
        { id: 'b', n: 2 },
      ]),
    ).toMatchObject({ unchanged: 1, updated: 1, added: 0 });
    const stream = await changes(cache);
    expect(stream.find((c) => c.id === 'a')).toMatchObject({ position: positionBefore, prunedAt: null, payload: '{"n":1,"id":"a"}' });
    expect(stream.at(-1)).toMatchObject({ id: 'b', action: 'UPDATED', prunedAt: null });
    await expectExactCounts(cache);
  });

  it('expires datasets with no sync for the dataset TTL, keeping their run history', async () => {
    const cache = await freshCache(store);
    at(cache, '2024-01-01T00:00:00Z');
    await save(cache, [{ id: 'a' }, { id: 'b' }]);
    at(cache, '2024-01-02T00:00:00Z');
    await save(cache, [{ id: 'a' }], [], { ...CONTACTS, model: 'Fresh' });
    at(cache, '2024-03-01T00:00:00Z');
    expect(await prune(cache, { ...ttl, dryRun: true })).toEqual({ pruned: 1, datasetsExpired: 1, recordsDeleted: 2 });
    expect(await datasetStats(cache)).toHaveLength(2);
    at(cache, '2024-03-01T00:00:00.001Z');
    expect(await prune(cache, ttl)).toEqual({ pruned: 1, datasetsExpired: 1, recordsDeleted: 2 });
    expect((await datasetStats(cache)).map((d) => d.model)).toEqual(['Fresh']);
    expect(await changes(cache)).toEqual([]);
    expect((await runHistory(cache, { model: 'Contact' })).map((r) => r.kind)).toEqual(['save', 'prune']);
    await expectExactCounts(cache);
  });

  it('a dry run changes nothing', async () => {
    const cache = await freshCache(store);
    at(cache, '2024-01-01T00:00:00Z');
    await save(cache, [{ id: 'a' }]);
    at(cache, '2025-01-01T00:00:00Z');
    const before = snapshot(cache);
    expect((await prune(cache, { ...ttl, dryRun: true })).datasetsExpired).toBe(1);
    expect(snapshot(cache)).toEqual(before);
  });

  it('prunes up to and including a cursor, in pages, with has_more', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }]);
    const [, second] = await changes(cache);
    const upToB = (await changes(cache)).slice(0, 2);
    expect(await pruneUntil(cache, CONTACTS, second!.position, 1)).toEqual({ count: 1, hasMore: true, reclaimedBytes: 0 });
    expect(await pruneUntil(cache, CONTACTS, second!.position, 1)).toEqual({ count: 1, hasMore: false, reclaimedBytes: 0 });
    expect((await changes(cache)).map((c) => c.payload === null)).toEqual([true, true, false, false]);
    expect(upToB.map((c) => c.id)).toEqual(['a', 'b']);
    expect(await pruneUntil(cache, { ...CONTACTS, model: 'None' }, second!.position)).toEqual({ count: 0, hasMore: false, reclaimedBytes: 0 });
    await expectExactCounts(cache);
  });
});

describe.each(STORES)('reset and counts, on %s', (store) => {
  it('reset hard-deletes every record of the dataset and is recorded as a run', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }, { id: 'b' }]);
    await save(cache, [{ id: 'a' }], [], { ...CONTACTS, model: 'Deal' });
    expect(await reset(cache, CONTACTS)).toBe(2);
    expect(await changes(cache)).toEqual([]);
    expect(stored(cache, 'a')).toMatchObject({ dataset_id: 2 });
    expect((await runHistory(cache)).map((r) => [r.kind, r.model, r.deleted])).toEqual([
      ['save', 'Contact', 0],
      ['save', 'Deal', 0],
      ['reset', 'Contact', 2],
    ]);
    expect(await save(cache, [{ id: 'a' }])).toMatchObject({ added: 1 });
    await expectExactCounts(cache);
  });

  it('counters stay exact through a mixed history of every kind of run', async () => {
    const cache = await freshCache(store);
    at(cache, '2024-01-01T00:00:00Z');
    await save(
      cache,
      Array.from({ length: 50 }, (_, i) => ({ id: i, v: i })),
    );
    await expectExactCounts(cache);
    await save(
      cache,
      Array.from({ length: 30 }, (_, i) => ({ id: i * 2, v: -i, pad: 'x'.repeat(i) })),
    );
    await expectExactCounts(cache);
    await remove(cache, ['1', '3', '5', '1000']);
    await expectExactCounts(cache);
    await update(cache, [
      { id: 2, pad: 'changed' },
      { id: 3, v: 9 },
    ]);
    await expectExactCounts(cache);
    at(cache, '2024-01-20T00:00:00Z');
    await save(cache, [{ id: 7, v: 'new' }]);
    at(cache, '2024-02-10T00:00:00Z');
    await prune(cache, { payloadTtl: 30 * DAY, datasetTtl: 60 * DAY });
    await expectExactCounts(cache);
    await save(cache, [
      { id: 0, v: 0, pad: '' },
      { id: 1, v: 1 },
      { id: 4, v: 'x' },
    ]);
    await expectExactCounts(cache);
    await fullRefresh(
      cache,
      Array.from({ length: 10 }, (_, i) => ({ id: i, v: i })),
      false,
      '100%',
    );
    await expectExactCounts(cache);
    await pruneUntil(cache, CONTACTS, (await changes(cache))[3]!.position);
    await expectExactCounts(cache);
    await reset(cache, CONTACTS);
    await expectExactCounts(cache);
  });
});
