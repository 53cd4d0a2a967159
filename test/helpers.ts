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
