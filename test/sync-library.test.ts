import { describe, expect, it } from 'vitest';
import { compareVersions, versionOf } from '../src/decisions/version.js';
import { DeletionLimitError, inferSchema, InputError, InvalidArgumentError } from '../src/index.js';
import { compileSchema } from '../src/schema/compile.js';
import { changes, CONTACTS, cursorAt, freshCache, save, stored } from './library.js';
import { STORES } from './stores.js';

const lines = (records: unknown[]) => records.map((record) => JSON.stringify(record));

describe('versions: numbers by value, ISO 8601 times as instants, other strings as strings', () => {
  const version = (token: string) => {
    const parsed = versionOf(token, ['v']);
    if (typeof parsed === 'string') throw new Error(parsed);
    return parsed;
  };
  const cases: [string, string, -1 | 0 | 1 | undefined][] = [
    ['9.5', '10', -1],
    ['10', '1e1', 0],
    ['-2', '-10', 1],
    ['0', '-0.0', 0],
    ['12345678901234567890', '12345678901234567891', -1],
    ['0.1000000000000000001', '0.1', 1],
    ['1e400', '1e399', 1],
    ['"2024-01-01T12:00:00+02:00"', '"2024-01-01T10:00:00Z"', 0],
    ['"2024-01-01T10:00:00.000001Z"', '"2024-01-01T10:00:00Z"', 1],
    ['"2024-01-02"', '"2024-01-01T23:59:59Z"', 1],
    // Not a date: a string, which cannot be compared with a time.
    ['"2024-02-30"', '"2024-02-29"', undefined],
    ['"b"', '"ab"', 1],
    ['"10"', '"9"', -1],
    ['1', '"1"', undefined],
    ['"2024-01-01"', '"v2"', undefined],
  ];
  for (const [a, b, expected] of cases) {
    it(`${a} against ${b}`, () => expect(compareVersions(version(a), version(b))).toBe(expected));
  }

  it('null, booleans, objects, arrays and a missing field are not versions', () => {
    for (const token of ['null', 'true', '{"a":1}', '[1]', undefined]) expect(typeof versionOf(token, ['v'])).toBe('string');
  });
});

describe('inferSchema', () => {
  const records = [
    { id: 'a', n: 1, price: 2, tags: ['x'], owner: { name: 'A', email: 'a@x' }, note: null },
    { id: 'b', n: 2, price: 2.5, tags: [], owner: { name: 'B' }, note: 'hi', extra: true },
  ];

  it('gives the types seen per field, required where present in every record, nested objects and array items', () => {
    expect(inferSchema(records)).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        id: { type: 'string' },
        n: { type: 'integer' },
        price: { type: 'number' },
        tags: { type: 'array', items: { type: 'string' } },
        owner: { type: 'object', properties: { name: { type: 'string' }, email: { type: 'string' } }, required: ['name'] },
        note: { type: ['string', 'null'] },
        extra: { type: 'boolean' },
      },
      required: ['id', 'n', 'price', 'tags', 'owner', 'note'],
    });
  });

  it('every record it was given satisfies it, and records of another shape do not', async () => {
    const check = await compileSchema(inferSchema(records));
    for (const record of records) expect(check(record)).toBeUndefined();
    expect(check({ ...records[0], n: 'one' })).toMatch(/^fails the schema at \/n: must be integer/);
    expect(check({ id: 'c' })).toMatch(/required property/);
  });
});

describe.each(STORES)('ignored fields and lines saved before they were ignored, on %s', (store) => {
  it('a line byte for byte as saved without ignoreFields is unchanged with them; one that differs is compared under them', async () => {
    const cache = await freshCache(store);
    await save(cache, [
      { id: 'a', n: 1, fetched_at: 1 },
      { id: 'b', n: 1, fetched_at: 1 },
    ]);
    expect(
      await save(
        cache,
        [
          { id: 'a', n: 1, fetched_at: 1 },
          { id: 'b', n: 1, fetched_at: 2 },
        ],
        ['fetched_at'],
      ),
    ).toMatchObject({ unchanged: 1, updated: 1 });
    expect(
      await save(
        cache,
        [
          { id: 'a', n: 1, fetched_at: 1 },
          { id: 'b', n: 1, fetched_at: 3 },
        ],
        ['fetched_at'],
      ),
    ).toMatchObject({ unchanged: 2 });
  });
});

describe.each(STORES)('the library options of the sync side, on %s', (store) => {
  it('unlessModifiedAfter, versionField and schema are checked before any input is read', async () => {
    const cache = await freshCache(store);
    // biome-ignore lint/correctness/useYield: an input that fails as soon as it is read
    const unread = async function* () {
      throw new Error('the input was read');
    };
    const cases: [object, RegExp][] = [
      [{ unlessModifiedAfter: 'nope' }, /^unlessModifiedAfter takes a cursor that rcache printed/],
      [{ versionField: '' }, /^versionField takes a dotted field path/],
      [{ maxDelete: '150%' }, /^maxDelete: takes a whole number of records or a percentage/],
      [{ schema: { type: 'nothing' } }, /^schema: is not a valid JSON Schema/],
      [{ schema: 'a file name' }, /^schema: must be a JSON Schema/],
    ];
    for (const [options, message] of cases) {
      const saving = cache.save(CONTACTS, unread(), options);
      await expect(saving).rejects.toThrow(message);
      await expect(saving).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await expect(cache.update(CONTACTS, unread(), { schema: [] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(cache.delete(CONTACTS, unread(), { unlessModifiedAfter: 'nope' })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('unlessModifiedAfter leaves newer records alone and counts them as skipped', async () => {
    const cache = await freshCache(store);
    await save(cache, [
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
    ]);
    const cursor = await cursorAt(cache, 2);
    await save(cache, [{ id: 'a', v: 2 }]);
    expect(
      await cache.save(
        CONTACTS,
        lines([
          { id: 'a', v: 0 },
          { id: 'b', v: 0 },
        ]),
        { unlessModifiedAfter: cursor },
      ),
    ).toMatchObject({ updated: 1, skipped: 1 });
    expect(await cache.update(CONTACTS, lines([{ id: 'a', w: 1 }]), { unlessModifiedAfter: cursor })).toMatchObject({ updated: 0, skipped: 1 });
    expect(await cache.delete(CONTACTS, { ids: ['a'] }, { unlessModifiedAfter: cursor })).toMatchObject({ deleted: 0, skipped: 1 });
    expect(JSON.parse(stored(cache, 'a')!.payload)).toEqual({ id: 'a', v: 2 });
  });

  it('a record left alone for a lower version and then given a higher one in the same input counts as updated', async () => {
    const cache = await freshCache(store);
    await save(cache, [
      { id: 'a', v: 5 },
      { id: 'b', v: 5 },
    ]);
    const result = await cache.save(
      CONTACTS,
      lines([
        { id: 'a', v: 4 },
        { id: 'a', v: 6 },
        { id: 'b', v: 4 },
        { id: 'a', v: 5.5 },
      ]),
      { versionField: 'v' },
    );
    expect(result).toMatchObject({ updated: 1, unchanged: 0, skipped: 1, duplicates: 2 });
    expect((await changes(cache)).map((change) => [change.id, change.payload])).toEqual([
      ['b', '{"id":"b","v":5}'],
      ['a', '{"id":"a","v":6}'],
    ]);
  });

  it("a version compared with a deleted record's last payload: a lower one does not bring it back", async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a', v: 5 }]);
    await cache.delete(CONTACTS, { ids: ['a'] });
    expect(await cache.save(CONTACTS, lines([{ id: 'a', v: 4 }]), { versionField: 'v' })).toMatchObject({ added: 0, skipped: 1 });
    expect(await cache.save(CONTACTS, lines([{ id: 'a', v: 6 }]), { versionField: 'v' })).toMatchObject({ added: 1, skipped: 0 });
  });

  it('a version that cannot be compared is an InputError without a file, from a program', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a', v: 5 }]);
    const saving = cache.save(CONTACTS, lines([{ id: 'a', v: 'five' }]), { versionField: 'v' });
    await expect(saving).rejects.toBeInstanceOf(InputError);
  });

  it('a full refresh over its limit is a DeletionLimitError with the counts, and saves nothing', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }]);
    const refreshing = cache.save(CONTACTS, lines([{ id: 'a' }, { id: 'e' }]), { fullRefresh: true, maxDelete: 2 });
    await expect(refreshing).rejects.toBeInstanceOf(DeletionLimitError);
    await expect(refreshing).rejects.toMatchObject({ count: 3, live: 4, limit: '2 records', model: 'Contact' });
    expect(stored(cache, 'e')).toBeUndefined();
    expect(await cache.save(CONTACTS, lines([{ id: 'a' }, { id: 'e' }]), { fullRefresh: true, maxDelete: '75%' })).toMatchObject({
      added: 1,
      deleted: 3,
      liveBefore: 4,
    });
  });

  it('an empty input allowed with allowEmpty deletes everything, whatever the limit', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }, { id: 'b' }]);
    expect(await cache.save(CONTACTS, [], { fullRefresh: true, allowEmpty: true })).toMatchObject({ deleted: 2 });
  });
});
