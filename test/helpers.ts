// NDJSON in and out, and the database read directly; the process and folder harness is harness.ts.
import type { Cache, CacheRecord } from '../src/index.js';
import { fixtureFor } from './store-fixtures.js';

export { BIN, FIXTURES, rcache, tempDir, type Result, type RunOptions } from './harness.js';

export function ndjson(records: unknown[]): string {
  return records.map((record) => JSON.stringify(record)).join('\n') + '\n';
}

export function lines(stdout: string): Record<string, any>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/**
 * Reads the database directly, as a check independent of rcache's own reading code: SQL over the
 * tables both stores share (see store-fixtures.ts), on a file or a PostgreSQL URL.
 */
export function query<T = Record<string, unknown>>(db: string, sql: string, ...params: unknown[]): T[] {
  return fixtureFor(db).query<T>(db, sql, ...params);
}

const BUILT_LIBRARY = '../dist/index.js';

export interface SeedOptions {
  model?: string;
  integration?: string;
  connection?: string;
  /** The time of the save, as RCACHE_NOW would give it. */
  at?: string;
}

/**
 * Works on the cache at `db` through the built library, in this process, and closes it: what a
 * case starts from or looks at, for a small share of what an rcache process costs. `at` is the
 * time its writes take, as RCACHE_NOW would give it.
 */
export async function withCache<T>(db: string, work: (cache: Cache) => Promise<T>, at?: string): Promise<T> {
  // The built library, as the binary runs it: a large input is prepared on its worker thread,
  // which only the build has as JavaScript.
  const { openCache } = (await import(BUILT_LIBRARY)) as typeof import('../src/index.js');
  const now = at === undefined ? undefined : Date.parse(at);
  const cache = await openCache(db, now === undefined ? {} : { now: () => now });
  try {
    return await work(cache);
  } finally {
    await cache.close();
  }
}

/** The changes of a dataset, oldest first, as the library gives them. */
export function changesOf(db: string, model: string): Promise<CacheRecord[]> {
  return withCache(db, async (cache) => {
    const changes: CacheRecord[] = [];
    for await (const change of cache.changes({ model })) changes.push(change);
    return changes;
  });
}

/** Saves records (objects, or lines of NDJSON as they are) through the library, in this process. */
export async function seed(db: string, records: unknown[], options: SeedOptions = {}): Promise<void> {
  const dataset = { model: options.model ?? 'M', integration: options.integration, connection: options.connection };
  const lines = records.map((record) => (typeof record === 'string' ? record : JSON.stringify(record)));
  await withCache(db, (cache) => cache.save(dataset, lines), options.at);
}
