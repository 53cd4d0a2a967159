// What a test may look at in a database besides the library: one fixture per store, over the same
// tables and columns (datasets, records, runs, meta, positions) as both stores name them.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findServer } from '../scripts/postgres-cluster.mjs';

export interface StoreFixture {
  /** Rows of SQL over rcache's tables, with `?` parameters, read apart from rcache's own code. */
  query<T = Record<string, unknown>>(db: string, sql: string, ...params: unknown[]): T[];
  /** The schema version the database says it has. */
  schemaVersion(db: string): number;
  /** Marks the database as written by a newer rcache, of schema `version`. */
  markNewer(db: string, version: number): void;
  /** Whether anything of rcache's is there: the file, or the schema in the database. */
  holdsCache(db: string): boolean;
}

export function psqlPath(): string {
  const bin = findServer();
  return bin !== undefined && existsSync(join(bin, 'psql')) ? join(bin, 'psql') : 'psql';
}

/** Runs SQL with psql and returns its unaligned output. */
export function psql(url: string, ...commands: string[]): string {
  const result = spawnSync(psqlPath(), [url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...commands.flatMap((command) => ['-c', command])], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr || result.error}`);
  return result.stdout;
}

function withFile<T>(path: string, readonly: boolean, work: (handle: Database.Database) => T): T {
  const handle = new Database(path, { readonly, fileMustExist: true });
  try {
    return work(handle);
  } finally {
    handle.close();
  }
}

export const sqliteFixture: StoreFixture = {
  query: <T>(db: string, sql: string, ...params: unknown[]) => withFile(db, true, (handle) => handle.prepare(sql).all(...params) as T[]),
  schemaVersion: (db) => withFile(db, true, (handle) => handle.pragma('user_version', { simple: true }) as number),
  markNewer: (db, version) => withFile(db, false, (handle) => handle.pragma(`user_version = ${version}`)),
  holdsCache: (db) => existsSync(db),
};

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return `'${String(value).replace(/'/g, "''")}'`;
}

export const postgresFixture: StoreFixture = {
  query<T>(db: string, sql: string, ...params: unknown[]): T[] {
    let next = 0;
    const bound = sql.replace(/\?/g, () => literal(params[next++]));
    return JSON.parse(psql(db, 'SET search_path = rcache', `SELECT coalesce(json_agg(q), '[]') FROM (${bound}) q`)) as T[];
  },
  schemaVersion: (db) => Number(psql(db, 'SELECT schema_version FROM rcache.meta').trim()),
  markNewer: (db, version) => void psql(db, `UPDATE rcache.meta SET schema_version = ${version}`),
  holdsCache: (db) => psql(db, `SELECT to_regclass('rcache.meta') IS NOT NULL`).trim() === 't',
};

/** Whether a location names a PostgreSQL database rather than a SQLite file. */
export function onPostgres(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** The fixture of the store a location names. */
export function fixtureFor(db: string): StoreFixture {
  return onPostgres(db) ? postgresFixture : sqliteFixture;
}
