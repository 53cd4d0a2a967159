// The library in process, on each store of the run (STORES): a fresh cache per test with a clock of
// its own, and what the store holds read through that store's fixture (store-fixtures.ts).
import { afterEach } from 'vitest';
import { encodeCursor } from '../src/decisions/cursor.js';
import { openCache, type Cache, type Change, type Dataset, type PruneOptions, type SaveOptions } from '../src/index.js';
import { fixtureFor, type Snapshot } from './store-fixtures.js';
import { freshStore, type StoreKind } from './stores.js';

export const CONTACTS: Dataset = { integration: 'default', connection: 'default', model: 'Contact' };

interface Opened {
  location: string;
  /** The time the cache's clock says, when a test set one; else the real time. */
  time?: number;
}

const caches = new WeakMap<Cache, Opened>();
const open: Cache[] = [];
afterEach(async () => {
  for (const cache of open.splice(0)) await cache.close();
});

/** A cache on a fresh, empty store of this kind, closed after the test. */
export async function freshCache(kind: StoreKind): Promise<Cache> {
  const opened: Opened = { location: await freshStore(kind) };
  const cache = await openCache(opened.location, { now: () => opened.time ?? Date.now() });
  caches.set(cache, opened);
  open.push(cache);
  return cache;
}

/** Sets the cache's clock to an ISO time, for this test only. */
export function at(cache: Cache, time: string): void {
  caches.get(cache)!.time = Date.parse(time);
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

/** The rows of the cache's database, read by its store's fixture: a check independent of rcache's own reading code. */
export function snapshot(cache: Cache): Snapshot {
  const { location } = caches.get(cache)!;
  return fixtureFor(location).snapshot(location);
}

/** The stored row of the first record with this id, of any dataset. */
export function stored(cache: Cache, id: string): Record<string, any> | undefined {
  return snapshot(cache).records.find((row) => row.id === id);
}

/** Every item an async iterable gives (a change stream read to its end). */
export async function all<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterator) out.push(item);
  return out;
}
