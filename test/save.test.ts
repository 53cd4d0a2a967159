import { describe, expect, it, vi } from 'vitest';
import { IgnoreFields } from '../src/decisions/canonical.js';
import { prepareRecord } from '../src/decisions/record.js';
import { at, CONTACTS, changes, freshCache, remove, save, stored } from './library.js';
import { STORES } from './stores.js';

// From the TypeScript sources there is no built prepare-worker.js for a save of several batches to
// start: lines are prepared on the test's thread, as where no thread fits. The built binary's tests
// cover the worker.
vi.mock('../src/cache/address-space.js', () => ({ roomForThread: () => false }));

describe.each(STORES)('save, on %s', (store) => {
  it('a new id is stored and ADDED', async () => {
    const cache = await freshCache(store);
    const summary = await save(cache, [{ id: 'a', name: 'Ann' }]);
    expect(summary).toMatchObject({ added: 1, updated: 0, unchanged: 0 });
    const [change] = await changes(cache);
    expect(change).toMatchObject({ id: 'a', action: 'ADDED', payload: '{"id":"a","name":"Ann"}' });
  });

  it('the same data again is unchanged and writes nothing', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a', name: 'Ann' }]);
    const before = stored(cache, 'a');
    expect(await save(cache, [{ id: 'a', name: 'Ann' }])).toMatchObject({ added: 0, updated: 0, unchanged: 1 });
    expect(stored(cache, 'a')).toEqual(before);
  });

  it('key order is not a change, and the stored text stays as first given', async () => {
    const cache = await freshCache(store);
    await save(cache, ['{"id":"a","x":{"b":1,"a":2},"y":[1,2]}']);
    expect(await save(cache, ['{"y":[1,2],"x":{"a":2,"b":1},"id":"a"}'])).toMatchObject({ unchanged: 1, updated: 0 });
    expect(stored(cache, 'a')!.payload).toBe('{"id":"a","x":{"b":1,"a":2},"y":[1,2]}');
  });

  it('a number id and its string form are the same record, and unchanged', async () => {
    const cache = await freshCache(store);
    await save(cache, ['{"id":7,"n":1}']);
    expect(await save(cache, ['{"id":"7","n":1}'])).toMatchObject({ unchanged: 1 });
    expect(await changes(cache)).toHaveLength(1);
    expect(stored(cache, '7')!.payload).toBe('{"id":"7","n":1}');
  });

  it('array order is a change', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a', tags: [1, 2] }]);
    expect(await save(cache, [{ id: 'a', tags: [2, 1] }])).toMatchObject({ updated: 1 });
  });

  it('other data is UPDATED, replaces the payload, keeps first_seen_at and moves to the end of the stream', async () => {
    const cache = await freshCache(store);
    at(cache, '2024-01-01T00:00:00.000Z');
    await save(cache, [
      { id: 'a', n: 1 },
      { id: 'b', n: 1 },
    ]);
    at(cache, '2024-01-02T00:00:00.000Z');
    expect(await save(cache, [{ id: 'a', n: 2 }])).toMatchObject({ updated: 1 });
    const stream = await changes(cache);
    expect(stream.map((c) => [c.id, c.action])).toEqual([
      ['b', 'ADDED'],
      ['a', 'UPDATED'],
    ]);
    expect(stream[1]!.payload).toBe('{"id":"a","n":2}');
    expect(new Date(stream[1]!.firstSeenAt).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(new Date(stream[1]!.lastModifiedAt).toISOString()).toBe('2024-01-02T00:00:00.000Z');
  });

  it('a deleted record saved again is ADDED, with its deleted mark cleared and first_seen_at reset', async () => {
    const cache = await freshCache(store);
    at(cache, '2024-01-01T00:00:00.000Z');
    await save(cache, [{ id: 'a', n: 1 }]);
    await remove(cache, ['a']);
    at(cache, '2024-02-01T00:00:00.000Z');
    expect(await save(cache, [{ id: 'a', n: 1 }])).toMatchObject({ added: 1, unchanged: 0 });
    const [change] = await changes(cache);
    expect(change).toMatchObject({ id: 'a', action: 'ADDED', deletedAt: null });
    expect(new Date(change!.firstSeenAt).toISOString()).toBe('2024-02-01T00:00:00.000Z');
  });

  it('an id seen twice in one run: the last line wins and a new record stays ADDED', async () => {
    const cache = await freshCache(store);
    const summary = await save(cache, [
      { id: 'a', n: 1 },
      { id: 'a', n: 2 },
      { id: 'b', n: 1 },
    ]);
    expect(summary).toMatchObject({ added: 2, updated: 0, duplicates: 1 });
    const stream = await changes(cache);
    expect(stream.map((c) => [c.id, c.action, c.payload])).toEqual([
      ['a', 'ADDED', '{"id":"a","n":2}'],
      ['b', 'ADDED', '{"id":"b","n":1}'],
    ]);
  });

  it('an initial full refresh with repeated ids: exact counts, nothing deleted, positions only for changes', async () => {
    const cache = await freshCache(store);
    const lines = ['{"id":"a","n":1}', '{"id":"b"}', '{"id":"a","n":2}', '{"id":"c"}', '{"id":"b"}', '{"id":"c"}', '{"id":"a","n":2}'];
    expect(await save(cache, lines, [], CONTACTS, { fullRefresh: true })).toMatchObject({ added: 3, updated: 0, unchanged: 0, deleted: 0, duplicates: 4 });
    const stream = await changes(cache);
    expect(stream.map((c) => [c.id, c.payload])).toEqual([
      ['b', '{"id":"b"}'],
      ['a', '{"id":"a","n":2}'],
      ['c', '{"id":"c"}'],
    ]);
    const first = stream[0]!.position;
    expect(stream.map((c) => c.position)).toEqual([first, first + 1, first + 2]);
    // The next run's first change takes the next position: none was handed out and left unused.
    expect(await save(cache, [{ id: 'd' }])).toMatchObject({ added: 1 });
    expect((await changes(cache)).at(-1)).toMatchObject({ id: 'd', position: first + 3 });
  });

  it('a duplicate that changes a record first found unchanged counts it once, as updated', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a', n: 1 }]);
    expect(
      await save(cache, [
        { id: 'a', n: 1 },
        { id: 'a', n: 2 },
      ]),
    ).toMatchObject({ unchanged: 0, updated: 1, duplicates: 1 });
  });

  it('_nango_metadata in the input is dropped, so records output saves back unchanged', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a', n: 1 }]);
    const line = '{"id":"a","n":1,"_nango_metadata":{"cursor":"x","last_action":"ADDED"}}';
    expect(await save(cache, [line])).toMatchObject({ unchanged: 1 });
    await save(cache, ['{"_nango_metadata":{"a":1},"id":"b", "n": 2}']);
    expect(stored(cache, 'b')!.payload).toBe('{"id":"b", "n": 2}');
  });

  it('the payload is kept byte for byte: unicode, spacing, numbers beyond double precision', async () => {
    const cache = await freshCache(store);
    const text = '{"id": "ü-1", "big": 12345678901234567890123, "f": 1.50, "s": "😀\\u0000"}';
    await save(cache, [text]);
    expect(stored(cache, 'ü-1')!.payload).toBe(text);
  });

  it('a change in a digit beyond double precision is still a change', async () => {
    const cache = await freshCache(store);
    await save(cache, ['{"id":"a","big":12345678901234567890}']);
    expect(await save(cache, ['{"id":"a","big":12345678901234567891}'])).toMatchObject({ updated: 1 });
    expect(await save(cache, ['{"id":"a","big":12345678901234567891}'])).toMatchObject({ unchanged: 1 });
  });

  it('numeric ids beyond double precision stay distinct', async () => {
    const cache = await freshCache(store);
    expect(await save(cache, ['{"id":12345678901234567890}', '{"id":12345678901234567891}'])).toMatchObject({ added: 2 });
    expect((await changes(cache)).map((c) => c.id)).toEqual(['12345678901234567890', '12345678901234567891']);
  });

  it('an ignored field is stored but does not make a change', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a', n: 1, meta: { fetched_at: 1, kept: 1 }, items: [{ at: 1 }] }], ['meta.fetched_at', 'items.at']);
    const again = { id: 'a', n: 1, meta: { fetched_at: 2, kept: 1 }, items: [{ at: 2 }] };
    expect(await save(cache, [again], ['meta.fetched_at', 'items.at'])).toMatchObject({ unchanged: 1 });
    expect(await save(cache, [{ ...again, meta: { fetched_at: 2, kept: 2 } }], ['meta.fetched_at', 'items.at'])).toMatchObject({ updated: 1 });
  });

  it('datasets are separate: the same id in two models is two records', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }]);
    await save(cache, [{ id: 'a' }], [], { ...CONTACTS, model: 'Deal' });
    expect(await changes(cache)).toHaveLength(1);
    expect(await changes(cache, 0, { ...CONTACTS, model: 'Deal' })).toHaveLength(1);
  });

  it('a run that fails before its end leaves nothing behind', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }]);
    async function* failing() {
      for (let i = 0; i < 5000; i++) yield { id: `b${i}` };
      throw new Error('the source broke');
    }
    await expect(cache.save(CONTACTS, failing())).rejects.toThrow('the source broke');
    expect(await changes(cache)).toHaveLength(1);
    expect(await cache.runs()).toHaveLength(1);
  });
});

describe.each(STORES)('hashes deferred until something is compared, on %s', (store) => {
  const computed = (text: string) => prepareRecord(text, new IgnoreFields()).hash;

  it('a new record is stored without its hash; a later line with other text computes it only then', async () => {
    const cache = await freshCache(store);
    await save(cache, ['{"id":"a","x":{"b":1,"a":2}}']);
    expect(stored(cache, 'a')!.hash).toBe('');
    expect(await save(cache, ['{"x":{"a":2,"b":1},"id":"a"}'])).toMatchObject({ unchanged: 1, updated: 0 });
    expect(await save(cache, ['{"id":"a","x":{"a":3}}'])).toMatchObject({ updated: 1 });
    expect(stored(cache, 'a')).toMatchObject({ hash: computed('{"id":"a","x":{"a":3}}'), payload: '{"id":"a","x":{"a":3}}' });
  });

  it('a deferred and a computed hash of the same content agree, in either order', async () => {
    const deferredFirst = await freshCache(store);
    await save(deferredFirst, ['{"id":7,"n":1.50,"_nango_metadata":{"x":1}}']);
    expect(stored(deferredFirst, '7')!.hash).toBe('');
    expect(await save(deferredFirst, ['{"n":1.5,"id":"7"}'])).toMatchObject({ unchanged: 1, updated: 0 });

    // A changed record is compared, so it is stored with the hash that was computed.
    const computedFirst = await freshCache(store);
    await save(computedFirst, ['{"id":7,"n":0}']);
    expect(await save(computedFirst, ['{"id":7,"n":1.50}'])).toMatchObject({ updated: 1 });
    expect(stored(computedFirst, '7')!.hash).toBe(computed('{"n":1.5,"id":"7"}'));
    expect(await save(computedFirst, ['{"n":1.5,"id":"7"}'])).toMatchObject({ unchanged: 1, updated: 0 });
  });

  it('within one run, a repeated id with other text is compared against the deferred first line', async () => {
    const cache = await freshCache(store);
    expect(await save(cache, ['{"id":"a","p":1,"q":2}', '{"q":2,"p":1,"id":"a"}', '{"id":"b"}', '{"id":"b","v":1}'])).toMatchObject({
      added: 2,
      duplicates: 2,
    });
    expect((await changes(cache)).map((c) => [c.id, c.action, c.payload])).toEqual([
      ['a', 'ADDED', '{"id":"a","p":1,"q":2}'],
      ['b', 'ADDED', '{"id":"b","v":1}'],
    ]);
  });

  it('with ignored fields a hash is never deferred: it is the hash without those fields', async () => {
    const ignore = new IgnoreFields(['fetched_at']);
    const record = prepareRecord('{"id":"a","fetched_at":1}', ignore, { deferHash: true });
    expect(record.hash).toBe(computed('{"id":"a"}'));
    const cache = await freshCache(store);
    await save(cache, ['{"id":"a","fetched_at":1}'], ['fetched_at']);
    expect(stored(cache, 'a')!.hash).toBe(computed('{"id":"a"}'));
    expect(await save(cache, ['{"fetched_at":2,"id":"a"}'], ['fetched_at'])).toMatchObject({ unchanged: 1 });
  });
});

describe('how deep a record may nest', () => {
  it('nesting: 1000 levels are accepted and 1001 refused, deferred or not; brackets in strings do not count', async () => {
    const nested = (levels: number) => `{"id":"d","v":${'['.repeat(levels - 1)}"[[{{"${']'.repeat(levels - 1)}}`;
    for (const deferHash of [true, false]) {
      expect(prepareRecord(nested(1000), new IgnoreFields(), { deferHash }).id).toBe('d');
      expect(() => prepareRecord(nested(1001), new IgnoreFields(), { deferHash })).toThrow('record is nested more than 1000 levels deep');
      expect(prepareRecord(`{"id":"s","v":"${'['.repeat(3000)}"}`, new IgnoreFields(), { deferHash }).id).toBe('s');
      // _nango_metadata is dropped before anything else, however deep it is.
      const metadata = `{"id":"m","_nango_metadata":${'['.repeat(1500)}${']'.repeat(1500)}}`;
      expect(prepareRecord(metadata, new IgnoreFields(), { deferHash }).payload).toBe('{"id":"m"}');
    }
  });
});

describe.each(STORES)('delete, on %s', (store) => {
  it('a live record gets a deleted mark, keeps its last payload and moves to the end of the stream', async () => {
    const cache = await freshCache(store);
    await save(cache, [
      { id: 'a', n: 1 },
      { id: 'b', n: 1 },
    ]);
    expect(await remove(cache, ['a'])).toMatchObject({ deleted: 1, unknown: 0, unchanged: 0 });
    const stream = await changes(cache);
    expect(stream.map((c) => [c.id, c.action])).toEqual([
      ['b', 'ADDED'],
      ['a', 'DELETED'],
    ]);
    expect(stream[1]!.payload).toBe('{"id":"a","n":1}');
    expect(stream[1]!.deletedAt).not.toBeNull();
  });

  it('an unknown id is counted and not stored', async () => {
    const cache = await freshCache(store);
    expect(await remove(cache, ['nope'])).toMatchObject({ unknown: 1, deleted: 0 });
    expect(stored(cache, 'nope')).toBeUndefined();
  });

  it('deleting an already-deleted record is not a change', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }]);
    await remove(cache, ['a']);
    const before = await changes(cache);
    expect(await remove(cache, ['a'])).toMatchObject({ unchanged: 1, deleted: 0 });
    expect(await changes(cache)).toEqual(before);
  });

  it('the same id twice in one delete counts as one deletion and one duplicate', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }]);
    expect(await remove(cache, ['a', 'a'])).toMatchObject({ deleted: 1, duplicates: 1, unchanged: 0 });
  });
});
