// Schemas stored per dataset, through the library, on every store.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError, InterruptedError, InvalidArgumentError, openCache, StoreError, type Cache, type Store } from '../src/index.js';
import { openSqliteStore } from '../src/stores/sqlite/sqlite-store.js';
import { tempDir } from './helpers.js';
import { all } from './library.js';
import { freshStore, STORES } from './stores.js';
import { CONTACT_SCHEMA } from './contact-schema.js';

const open: Cache[] = [];
afterEach(async () => {
  for (const cache of open.splice(0)) await cache.close();
});

const DAY = 24 * 60 * 60 * 1000;
const CONTACTS = { model: 'Contact' };
const CONTACT = CONTACT_SCHEMA;

const lines = (...records: object[]) => records.map((record) => JSON.stringify(record));

async function cacheOn(location: string, clock = { now: Date.now() }): Promise<Cache> {
  const cache = await openCache(location, { now: () => clock.now });
  open.push(cache);
  return cache;
}

describe.each(STORES)('stored schemas on %s', (kind) => {
  it('setSchema keeps a schema that schema() gives back and that saves and updates are checked against; clearSchema removes it', async () => {
    const cache = await cacheOn(await freshStore(kind));
    expect(await cache.schema(CONTACTS)).toBeUndefined();
    await cache.setSchema(CONTACTS, CONTACT);
    expect(await cache.schema(CONTACTS)).toEqual(CONTACT);
    expect(await cache.schema({ model: 'Contact', connection: 'other' })).toBeUndefined();

    const saving = cache.save(CONTACTS, lines({ id: 'a', email: 'a@example.com' }, { id: 'b', age: 3 }));
    await expect(saving).rejects.toBeInstanceOf(InputError);
    await expect(saving).rejects.toThrow("fails the schema at /email: must have required property 'email' (required, #/required)");
    expect(await all(cache.changes(CONTACTS))).toEqual([]);
    const warnings: string[] = [];
    const skipping = await cache.save(CONTACTS, lines({ id: 'a', email: 'a@example.com' }, { id: 'b', age: 3 }), {
      skipInvalid: true,
      onWarning: (message) => warnings.push(message),
    });
    expect(skipping).toMatchObject({ added: 1, rejected: 1 });
    expect(warnings).toEqual(["<input>:2: fails the schema at /email: must have required property 'email' (required, #/required) (skipped)"]);
    await expect(cache.update(CONTACTS, lines({ id: 'a', age: -1 }))).rejects.toThrow('fails the schema at /age: must be >= 0');
    expect(await cache.update(CONTACTS, lines({ id: 'a', age: 1 }))).toMatchObject({ updated: 1 });

    expect((await cache.stats()).map((dataset) => [dataset.model, dataset.schema])).toEqual([['Contact', true]]);
    expect(await cache.clearSchema(CONTACTS)).toBe(true);
    expect(await cache.clearSchema(CONTACTS)).toBe(false);
    expect(await cache.schema(CONTACTS)).toBeUndefined();
    expect((await cache.stats()).map((dataset) => dataset.schema)).toEqual([false]);
    expect(await cache.save(CONTACTS, lines({ id: 'b', age: 3 }))).toMatchObject({ added: 1 });
  });

  it('a schema that does not compile, or is not JSON, is an InvalidArgumentError, and the one stored stays', async () => {
    const cache = await cacheOn(await freshStore(kind));
    await cache.setSchema(CONTACTS, CONTACT);
    const cyclic: Record<string, unknown> = { type: 'object' };
    cyclic.self = cyclic;
    const cases: [unknown, RegExp][] = [
      [{ type: 'strng' }, /^schema: is not a valid JSON Schema: /],
      [{ $schema: 'http://json-schema.org/draft-04/schema#' }, /^schema: only JSON Schema draft 2020-12 and draft-07 are supported/],
      ['a file name', /^schema: must be a JSON Schema/],
      [undefined, /^schema: must be a JSON Schema/],
      [cyclic, /^schema: must be JSON: /],
    ];
    for (const [schema, message] of cases) {
      const setting = cache.setSchema(CONTACTS, schema);
      await expect(setting).rejects.toThrow(message);
      await expect(setting).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await expect(cache.setSchema({ model: ' ' }, CONTACT)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await cache.schema(CONTACTS)).toEqual(CONTACT);
    // What is kept is the schema as JSON: true and false are schemas too.
    await cache.setSchema(CONTACTS, false);
    expect(await cache.schema(CONTACTS)).toBe(false);
    await expect(cache.save(CONTACTS, lines({ id: 'a' }))).rejects.toThrow('fails the schema at the record itself: boolean schema is false');
  });

  it("a schema given to a run is checked instead of the dataset's, for that run only", async () => {
    const cache = await cacheOn(await freshStore(kind));
    await cache.setSchema(CONTACTS, CONTACT);
    expect(await cache.save(CONTACTS, lines({ id: 'a', age: 'old' }), { schema: true })).toMatchObject({ added: 1 });
    expect(await cache.update(CONTACTS, lines({ id: 'a', age: 'older' }), { schema: { type: 'object' } })).toMatchObject({ updated: 1 });
    await expect(cache.save(CONTACTS, lines({ id: 'b', email: 'b@example.com' }), { schema: { required: ['name'] } })).rejects.toThrow(
      "must have required property 'name'",
    );
    await expect(cache.save(CONTACTS, lines({ id: 'c', age: 'old' }))).rejects.toBeInstanceOf(InputError);
  });

  it('a reset and an expiry keep the schema', async () => {
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    const cache = await cacheOn(await freshStore(kind), clock);
    await cache.setSchema(CONTACTS, CONTACT);
    await cache.save(CONTACTS, lines({ id: 'a', email: 'a@example.com' }));
    expect(await cache.reset(CONTACTS)).toBe(1);
    expect(await cache.schema(CONTACTS)).toEqual(CONTACT);
    await cache.save(CONTACTS, lines({ id: 'a', email: 'a@example.com' }));
    clock.now += 90 * DAY;
    expect(await cache.prune({ payloadTtl: 30 * DAY, datasetTtl: 60 * DAY })).toMatchObject({ datasetsExpired: 1 });
    expect(await cache.stats()).toEqual([]);
    expect(await cache.schema(CONTACTS)).toEqual(CONTACT);
    await expect(cache.save(CONTACTS, lines({ id: 'b' }))).rejects.toBeInstanceOf(InputError);
  });

  it('inferSchema describes every live record whose payload is kept; stored, it accepts each of them', async () => {
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    const cache = await cacheOn(await freshStore(kind), clock);
    expect(await cache.inferSchema(CONTACTS)).toBeUndefined();
    // Pruned and deleted: neither is described.
    await cache.save(CONTACTS, lines({ id: 'old', email: 5 }, { id: 'gone', email: true }));
    clock.now += 40 * DAY;
    await cache.prune({ payloadTtl: 30 * DAY, datasetTtl: 365 * DAY });
    const records = Array.from({ length: 2500 }, (_, i) => ({ id: `c${i}`, email: `c${i}@example.com`, ...(i % 2 ? { age: i } : { score: i / 3 }) }));
    await cache.save(CONTACTS, lines(...records, { id: 'gone', email: true }));
    await cache.delete(CONTACTS, { ids: ['gone'] });

    const schema = await cache.inferSchema(CONTACTS);
    expect(schema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { id: { type: 'string' }, email: { type: 'string' }, score: { type: 'number' }, age: { type: 'integer' } },
      required: ['id', 'email'],
    });
    await cache.setSchema({ model: 'Copy' }, schema);
    const live = (await all(cache.changes(CONTACTS, { actions: ['ADDED', 'UPDATED'], text: true }))).filter((text) => !text.includes('"pruned_at":"'));
    expect(live).toHaveLength(2500);
    expect(await cache.save({ model: 'Copy' }, live)).toMatchObject({ added: 2500, rejected: 0 });
  });

  it('inferSchema refuses an option it does not take, and stops at its signal', async () => {
    const cache = await cacheOn(await freshStore(kind));
    await cache.save(CONTACTS, lines({ id: 'a' }));
    const misspelt = cache.inferSchema(CONTACTS, { signl: AbortSignal.abort() } as never);
    await expect(misspelt).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(misspelt).rejects.toThrow('signl is not an option of inferSchema: did you mean signal?');
    await expect(cache.inferSchema(CONTACTS, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(InterruptedError);
    await expect(cache.inferSchema({ model: '' })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a schema set while a save of its dataset is open waits for it to commit; that save keeps the schema it began with', async () => {
    const cache = await cacheOn(await freshStore(kind));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let begun!: () => void;
    const open = new Promise<void>((resolve) => (begun = resolve));
    async function* held() {
      yield* lines(...Array.from({ length: 3000 }, (_, i) => ({ id: `r${i}`, pad: 'x'.repeat(200) })));
      await released;
    }
    const saving = cache.save(CONTACTS, held(), { onProgress: (count) => count >= 2000 && begun() });
    await open;
    // Once its turn comes, the save has committed: its records are there to count.
    const setting = cache.setSchema(CONTACTS, CONTACT).then(async () => (await cache.stats()).map((dataset) => dataset.live));
    // A read is not held up by the open save.
    expect(await cache.schema(CONTACTS)).toBeUndefined();
    release();
    expect(await saving).toMatchObject({ added: 3000, rejected: 0 });
    expect(await setting).toEqual([3000]);
    await expect(cache.save(CONTACTS, lines({ id: 'r1' }))).rejects.toBeInstanceOf(InputError);
  });

  it("a schema is written in its dataset's turn: while a save of it holds the turn past the busy timeout, setSchema gives up", async () => {
    const location = await freshStore(kind);
    const cache = await openCache(location, { busyTimeout: 300 });
    open.push(cache);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let begun!: () => void;
    const running = new Promise<void>((resolve) => (begun = resolve));
    async function* held() {
      yield* lines(...Array.from({ length: 2000 }, (_, i) => ({ id: `r${i}` })));
      await released;
    }
    const saving = cache.save(CONTACTS, held(), { onProgress: () => begun() });
    await running;
    const setting = cache.setSchema(CONTACTS, CONTACT);
    await expect(setting).rejects.toBeInstanceOf(StoreError);
    await expect(setting).rejects.toMatchObject({ kind: 'busy' });
    // Another dataset's schema does not wait where writes of different datasets run at once (PostgreSQL); on SQLite writes take turns.
    const other = cache.setSchema({ model: 'Deal' }, CONTACT);
    if (kind === 'postgres') await other;
    else await expect(other).rejects.toMatchObject({ kind: 'busy' });
    release();
    expect(await saving).toMatchObject({ added: 2000 });
    expect(await cache.schema(CONTACTS)).toBeUndefined();
  });
});

describe('a store that keeps no schemas', () => {
  it('has none to check, says no dataset has one, and refuses to keep one', async () => {
    const path = join(tempDir(), 'cache.db');
    const opener = async (_location: string, options: object) => {
      const inner: Store = await openSqliteStore(path, options);
      return new Proxy(inner, { get: (target, key) => (key === 'schemas' ? undefined : Reflect.get(target, key)) });
    };
    const cache = await openCache('plain:cache', { stores: { 'plain:': opener } });
    open.push(cache);
    expect(await cache.save(CONTACTS, lines({ id: 'a' }))).toMatchObject({ added: 1 });
    expect(await cache.schema(CONTACTS)).toBeUndefined();
    expect(await cache.stats()).toMatchObject([{ model: 'Contact', schema: false }]);
    const setting = cache.setSchema(CONTACTS, CONTACT);
    await expect(setting).rejects.toBeInstanceOf(StoreError);
    await expect(setting).rejects.toThrow('the store of plain:cache keeps no schemas');
  });
});
