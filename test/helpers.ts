// NDJSON in and out, and the database read directly; the process and folder harness is harness.ts.
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
 * Saves records (objects, or lines of NDJSON as they are) through the library, in this process: a
 * database for the commands under test to read, for a small share of what an rcache process costs.
 */
export async function seed(db: string, records: unknown[], options: SeedOptions = {}): Promise<void> {
  // The built library, as the binary runs it: a large input is prepared on its worker thread,
  // which only the build has as JavaScript.
  const { openCache } = (await import(BUILT_LIBRARY)) as typeof import('../src/index.js');
  const at = options.at === undefined ? undefined : Date.parse(options.at);
  const cache = await openCache(db, at === undefined ? {} : { now: () => at });
  try {
    const dataset = { model: options.model ?? 'M', integration: options.integration, connection: options.connection };
    await cache.save(
      dataset,
      records.map((record) => (typeof record === 'string' ? record : JSON.stringify(record))),
    );
  } finally {
    await cache.close();
  }
}
