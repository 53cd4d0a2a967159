import { describe, expect, it } from 'vitest';
import { IgnoreFields, SaveRun, prepareRecord } from '../src/index.js';
import { CONTACTS, changes, freshCache, remove, save, stored } from './library.js';

describe('save', () => {
  it('a new id is stored and ADDED', () => {
    const cache = freshCache();
    const summary = save(cache, [{ id: 'a', name: 'Ann' }]);
    expect(summary).toMatchObject({ added: 1, updated: 0, unchanged: 0 });
    const [change] = changes(cache);
    expect(change).toMatchObject({ id: 'a', action: 'ADDED', payload: '{"id":"a","name":"Ann"}' });
  });

  it('the same data again is unchanged and writes nothing', () => {
    const cache = freshCache();
    save(cache, [{ id: 'a', name: 'Ann' }]);
    const before = stored(cache, 'a');
    expect(save(cache, [{ id: 'a', name: 'Ann' }])).toMatchObject({ added: 0, updated: 0, unchanged: 1 });
    expect(stored(cache, 'a')).toEqual(before);
  });

  it('key order is not a change, and the stored text stays as first given', () => {
    const cache = freshCache();
    save(cache, ['{"id":"a","x":{"b":1,"a":2},"y":[1,2]}']);
    expect(save(cache, ['{"y":[1,2],"x":{"a":2,"b":1},"id":"a"}'])).toMatchObject({ unchanged: 1, updated: 0 });
    expect(stored(cache, 'a')!.payload).toBe('{"id":"a","x":{"b":1,"a":2},"y":[1,2]}');
  });

  it('a number id and its string form are the same record, and unchanged', () => {
    const cache = freshCache();
    save(cache, ['{"id":7,"n":1}']);
    expect(save(cache, ['{"id":"7","n":1}'])).toMatchObject({ unchanged: 1 });
    expect(changes(cache)).toHaveLength(1);
    expect(stored(cache, '7')!.payload).toBe('{"id":"7","n":1}');
  });

  it('array order is a change', () => {
    const cache = freshCache();
    save(cache, [{ id: 'a', tags: [1, 2] }]);
    expect(save(cache, [{ id: 'a', tags: [2, 1] }])).toMatchObject({ updated: 1 });
  });

  it('other data is UPDATED, replaces the payload, keeps first_seen_at and moves to the end of the stream', () => {
    const cache = freshCache();
    process.env.RCACHE_NOW = '2024-01-01T00:00:00.000Z';
    save(cache, [{ id: 'a', n: 1 }, { id: 'b', n: 1 }]);
    process.env.RCACHE_NOW = '2024-01-02T00:00:00.000Z';
    expect(save(cache, [{ id: 'a', n: 2 }])).toMatchObject({ updated: 1 });
    delete process.env.RCACHE_NOW;
    const stream = changes(cache);
    expect(stream.map((c) => [c.id, c.action])).toEqual([['b', 'ADDED'], ['a', 'UPDATED']]);
    expect(stream[1]!.payload).toBe('{"id":"a","n":2}');
    expect(new Date(stream[1]!.firstSeenAt).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(new Date(stream[1]!.lastModifiedAt).toISOString()).toBe('2024-01-02T00:00:00.000Z');
  });

  it('a deleted record saved again is ADDED, with its deleted mark cleared and first_seen_at reset', () => {
    const cache = freshCache();
    process.env.RCACHE_NOW = '2024-01-01T00:00:00.000Z';
    save(cache, [{ id: 'a', n: 1 }]);
    remove(cache, ['a']);
    process.env.RCACHE_NOW = '2024-02-01T00:00:00.000Z';
    expect(save(cache, [{ id: 'a', n: 1 }])).toMatchObject({ added: 1, unchanged: 0 });
    delete process.env.RCACHE_NOW;
    const [change] = changes(cache);
    expect(change).toMatchObject({ id: 'a', action: 'ADDED', deletedAt: null });
    expect(new Date(change!.firstSeenAt).toISOString()).toBe('2024-02-01T00:00:00.000Z');
  });

  it('an id seen twice in one run: the last line wins and a new record stays ADDED', () => {
    const cache = freshCache();
    const summary = save(cache, [{ id: 'a', n: 1 }, { id: 'a', n: 2 }, { id: 'b', n: 1 }]);
    expect(summary).toMatchObject({ added: 2, updated: 0, duplicates: 1 });
    const stream = changes(cache);
    expect(stream.map((c) => [c.id, c.action, c.payload])).toEqual([
      ['a', 'ADDED', '{"id":"a","n":2}'],
      ['b', 'ADDED', '{"id":"b","n":1}'],
    ]);
  });

  it('an initial full refresh with repeated ids: exact counts, nothing deleted, positions only for changes', () => {
    const cache = freshCache();
    const run = new SaveRun(cache, CONTACTS, { fullRefresh: true });
    const lines = ['{"id":"a","n":1}', '{"id":"b"}', '{"id":"a","n":2}', '{"id":"c"}', '{"id":"b"}', '{"id":"c"}', '{"id":"a","n":2}'];
    run.write(lines.map((line) => prepareRecord(line, new IgnoreFields(), { deferHash: true })));
    expect(run.commit()).toMatchObject({ added: 3, updated: 0, unchanged: 0, deleted: 0, duplicates: 4 });
    expect(changes(cache).map((c) => [c.id, c.seq, c.payload])).toEqual([
      ['b', 2, '{"id":"b"}'],
      ['a', 3, '{"id":"a","n":2}'],
      ['c', 4, '{"id":"c"}'],
    ]);
    // The next run's first change takes the next position: none was handed out and left unused.
    expect(save(cache, [{ id: 'd' }])).toMatchObject({ added: 1 });
    expect(changes(cache).at(-1)).toMatchObject({ id: 'd', seq: 5 });
  });

  it('a duplicate that changes a record first found unchanged counts it once, as updated', () => {
    const cache = freshCache();
    save(cache, [{ id: 'a', n: 1 }]);
    expect(save(cache, [{ id: 'a', n: 1 }, { id: 'a', n: 2 }])).toMatchObject({ unchanged: 0, updated: 1, duplicates: 1 });
  });

  it('_nango_metadata in the input is dropped, so records output saves back unchanged', () => {
    const cache = freshCache();
    save(cache, [{ id: 'a', n: 1 }]);
    const line = '{"id":"a","n":1,"_nango_metadata":{"cursor":"x","last_action":"ADDED"}}';
    expect(save(cache, [line])).toMatchObject({ unchanged: 1 });
    save(cache, ['{"_nango_metadata":{"a":1},"id":"b", "n": 2}']);
    expect(stored(cache, 'b')!.payload).toBe('{"id":"b", "n": 2}');
  });

  it('the payload is kept byte for byte: unicode, spacing, numbers beyond double precision', () => {
    const cache = freshCache();
    const text = '{"id": "ü-1", "big": 12345678901234567890123, "f": 1.50, "s": "😀\\u0000"}';
    save(cache, [text]);
    expect(stored(cache, 'ü-1')!.payload).toBe(text);
  });

  it('a change in a digit beyond double precision is still a change', () => {
    const cache = freshCache();
    save(cache, ['{"id":"a","big":12345678901234567890}']);
    expect(save(cache, ['{"id":"a","big":12345678901234567891}'])).toMatchObject({ updated: 1 });
    expect(save(cache, ['{"id":"a","big":12345678901234567891}'])).toMatchObject({ unchanged: 1 });
  });

  it('numeric ids beyond double precision stay distinct', () => {
    const cache = freshCache();
    expect(save(cache, ['{"id":12345678901234567890}', '{"id":12345678901234567891}'])).toMatchObject({ added: 2 });
    expect(changes(cache).map((c) => c.id)).toEqual(['12345678901234567890', '12345678901234567891']);
  });

  it('an ignored field is stored but does not make a change', () => {
    const cache = freshCache();
    save(cache, [{ id: 'a', n: 1, meta: { fetched_at: 1, kept: 1 }, items: [{ at: 1 }] }], ['meta.fetched_at', 'items.at']);
    const again = { id: 'a', n: 1, meta: { fetched_at: 2, kept: 1 }, items: [{ at: 2 }] };
    expect(save(cache, [again], ['meta.fetched_at', 'items.at'])).toMatchObject({ unchanged: 1 });
    expect(save(cache, [{ ...again, meta: { fetched_at: 2, kept: 2 } }], ['meta.fetched_at', 'items.at'])).toMatchObject({ updated: 1 });
  });

  it('datasets are separate: the same id in two models is two records', () => {
    const cache = freshCache();
    save(cache, [{ id: 'a' }]);
    save(cache, [{ id: 'a' }], [], { ...CONTACTS, model: 'Deal' });
    expect(changes(cache)).toHaveLength(1);
    expect(changes(cache, 0, { ...CONTACTS, model: 'Deal' })).toHaveLength(1);
  });

  it('a run that is not committed leaves nothing behind', () => {
    const cache = freshCache();
    save(cache, [{ id: 'a' }]);
    const run = new SaveRun(cache, CONTACTS);
    run.write([prepareRecord('{"id":"b"}', new IgnoreFields())]);
    run.abort();
    expect(changes(cache)).toHaveLength(1);
  });
});

describe('hashes deferred until something is compared', () => {
  const computed = (text: string) => prepareRecord(text, new IgnoreFields()).hash;

  it('a new record is stored without its hash; a later line with other text computes it only then', () => {
    const cache = freshCache();
    save(cache, ['{"id":"a","x":{"b":1,"a":2}}']);
    expect(stored(cache, 'a')!.hash).toBe('');
    expect(save(cache, ['{"x":{"a":2,"b":1},"id":"a"}'])).toMatchObject({ unchanged: 1, updated: 0 });
    expect(save(cache, ['{"id":"a","x":{"a":3}}'])).toMatchObject({ updated: 1 });
    expect(stored(cache, 'a')).toMatchObject({ hash: computed('{"id":"a","x":{"a":3}}'), payload: '{"id":"a","x":{"a":3}}' });
  });

  it('a deferred and a computed hash of the same content agree, in either order', () => {
    const deferredFirst = freshCache();
    save(deferredFirst, ['{"id":7,"n":1.50,"_nango_metadata":{"x":1}}']);
    const eager = new SaveRun(deferredFirst, CONTACTS);
    eager.write([prepareRecord('{"n":1.5,"id":"7"}', new IgnoreFields())]);
    expect(eager.commit()).toMatchObject({ unchanged: 1, updated: 0 });

    const computedFirst = freshCache();
    const first = new SaveRun(computedFirst, CONTACTS);
    first.write([prepareRecord('{"id":7,"n":1.50}', new IgnoreFields())]);
    first.commit();
    expect(stored(computedFirst, '7')!.hash).toBe(computed('{"n":1.5,"id":"7"}'));
    expect(save(computedFirst, ['{"n":1.5,"id":"7"}'])).toMatchObject({ unchanged: 1, updated: 0 });
  });

  it('within one run, a repeated id with other text is compared against the deferred first line', () => {
    const cache = freshCache();
    expect(save(cache, ['{"id":"a","p":1,"q":2}', '{"q":2,"p":1,"id":"a"}', '{"id":"b"}', '{"id":"b","v":1}'])).toMatchObject({
      added: 2,
      duplicates: 2,
    });
    expect(changes(cache).map((c) => [c.id, c.action, c.payload])).toEqual([
      ['a', 'ADDED', '{"id":"a","p":1,"q":2}'],
      ['b', 'ADDED', '{"id":"b","v":1}'],
    ]);
  });

  it('with ignored fields a hash is never deferred: it is the hash without those fields', () => {
    const ignore = new IgnoreFields(['fetched_at']);
    const record = prepareRecord('{"id":"a","fetched_at":1}', ignore, { deferHash: true });
    expect(record.hash).toBe(computed('{"id":"a"}'));
    const cache = freshCache();
    save(cache, ['{"id":"a","fetched_at":1}'], ['fetched_at']);
    expect(stored(cache, 'a')!.hash).toBe(computed('{"id":"a"}'));
    expect(save(cache, ['{"fetched_at":2,"id":"a"}'], ['fetched_at'])).toMatchObject({ unchanged: 1 });
  });

  it('nesting: 1000 levels are accepted and 1001 refused, deferred or not; brackets in strings do not count', () => {
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

describe('delete', () => {
  it('a live record gets a deleted mark, keeps its last payload and moves to the end of the stream', () => {
    const cache = freshCache();
    save(cache, [{ id: 'a', n: 1 }, { id: 'b', n: 1 }]);
    expect(remove(cache, ['a'])).toMatchObject({ deleted: 1, unknown: 0, unchanged: 0 });
    const stream = changes(cache);
    expect(stream.map((c) => [c.id, c.action])).toEqual([['b', 'ADDED'], ['a', 'DELETED']]);
    expect(stream[1]!.payload).toBe('{"id":"a","n":1}');
    expect(stream[1]!.deletedAt).not.toBeNull();
  });

  it('an unknown id is counted and not stored', () => {
    const cache = freshCache();
    expect(remove(cache, ['nope'])).toMatchObject({ unknown: 1, deleted: 0 });
    expect(stored(cache, 'nope')).toBeUndefined();
  });

  it('deleting an already-deleted record is not a change', () => {
    const cache = freshCache();
    save(cache, [{ id: 'a' }]);
    remove(cache, ['a']);
    const before = changes(cache);
    expect(remove(cache, ['a'])).toMatchObject({ unchanged: 1, deleted: 0 });
    expect(changes(cache)).toEqual(before);
  });

  it('the same id twice in one delete counts as one deletion and one duplicate', () => {
    const cache = freshCache();
    save(cache, [{ id: 'a' }]);
    expect(remove(cache, ['a', 'a'])).toMatchObject({ deleted: 1, duplicates: 1, unchanged: 0 });
  });
});
