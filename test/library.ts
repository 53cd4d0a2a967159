import { join } from 'node:path';
import { encodeCursor } from '../src/decisions/cursor.js';
import { openCache, type Cache, type Change, type Dataset, type PruneOptions, type SaveOptions } from '../src/index.js';
import { tempDir } from './helpers.js';
import { sqliteFixture } from './store-fixtures.js';

export const CONTACTS: Dataset = { integration: 'default', connection: 'default', model: 'Contact' };

const paths = new WeakMap<Cache, string>();

/** The clock of the caches below: RCACHE_NOW when a test sets it, else the real time. */
function now(): number {
  const fixed = process.env.RCACHE_NOW;
  return fixed ? Date.parse(fixed) : Date.now();
}

/** A cache in a fresh temporary file. */
export async function freshCache(): Promise<Cache> {
  const path = join(tempDir(), 'cache.db');
  const cache = await openCache(path, { now });
  paths.set(cache, path);
  return cache;
}

export function save(cache: Cache, records: unknown[], ignore: string[] = [], dataset = CONTACTS, options: SaveOptions = {}) {
  return cache.save(
    dataset,
    records.map((record) => (typeof record === 'string' ? record : JSON.stringify(record))),
    { ignoreFields: ignore, ...options },
  );
}

export function remove(cache: Cache, ids: string[], dataset = CONTACTS) {
  return cache.delete(dataset, { ids });
}

export function update(cache: Cache, partials: unknown[], dataset = CONTACTS) {
  return cache.update(
    dataset,
    partials.map((partial) => (typeof partial === 'string' ? partial : JSON.stringify(partial))),
  );
}

/** The cursor of a position in this cache's database. */
export async function cursorAt(cache: Cache, position: number): Promise<string> {
  return encodeCursor((await cache.info()).id, position);
}

export async function changes(cache: Cache, after = 0, dataset = CONTACTS): Promise<Change[]> {
  const reader = await cache.reader(dataset, { cursor: after === 0 ? undefined : await cursorAt(cache, after) });
  return reader.next(1_000_000);
}

/** Prune's counts, without the bytes it gave back. */
export async function prune(cache: Cache, options: PruneOptions) {
  const { reclaimedBytes: _, ...counts } = await cache.prune(options);
  return counts;
}

/** Reads the database file directly, as a check independent of rcache's own reading code. */
export function sql<T = Record<string, any>>(cache: Cache, text: string, ...params: unknown[]): T[] {
  return sqliteFixture.query<T>(paths.get(cache)!, text, ...params);
}

export function stored(cache: Cache, id: string): Record<string, any> | undefined {
  return sql(cache, 'SELECT * FROM records WHERE id = ?', id)[0];
}

/** Every item an async iterable gives (a change stream read to its end). */
export async function all<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterator) out.push(item);
  return out;
}
