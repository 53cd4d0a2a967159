// What a test may look at in a database besides the library: one fixture per store, over the same
// tables and columns (datasets, records, runs, meta, positions) as both stores name them.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createSyncFn } from 'synckit';
import { findServer } from '../scripts/postgres-cluster.mjs';
import { unescapeText } from '../src/stores/postgres/text.js';
import { decodeText } from '../src/stores/sqlite/text.js';
import type { StoreKind } from './store-kinds.js';

type Row = Record<string, unknown>;

/** Every row a run can change, as both stores name them, ids and names exactly as they were given. */
export interface Snapshot {
  records: Row[];
  datasets: Row[];
  runs: Row[];
  /** `[{ last_value }]`: the last position taken, 0 before the first. */
  positions: Row[];
}

export interface StoreFixture {
  /** A location for a new, empty cache, made at once: `dir/name` for a file, a new database on the suite's server. */
  location(dir: string, name: string): string;
  /** Rows of SQL over rcache's tables, with `?` parameters, read apart from rcache's own code. */
  query<T = Record<string, unknown>>(db: string, sql: string, ...params: unknown[]): T[];
  /** The schema version the database says it has. */
  schemaVersion(db: string): number;
  /** Marks the database as written by a newer rcache, of schema `version`. */
  markNewer(db: string, version: number): void;
  /** Whether anything of rcache's is there: the file, or the schema in the database. */
  holdsCache(db: string): boolean;
  /** Every row a run can change (records by dataset and id, datasets, runs by number) and the last position. */
  snapshot(db: string): Snapshot;
  /** The bytes rcache's tables take on disk (with SQLite's write-ahead log). */
  size(db: string): number;
  /** Deletes the cache, as a user deleting the file (or dropping its schema) would. */
  drop(db: string): void;
  /**
   * Whether a run rolled back gives back the positions it took. PostgreSQL's sequence does not: the
   * next change leaves a gap (the README's "Positions are not contiguous").
   */
  positionsRollBack: boolean;
}

export function psqlPath(): string {
  const bin = findServer();
  return bin !== undefined && existsSync(join(bin, 'psql')) ? join(bin, 'psql') : 'psql';
}

type RunSql = (url: string, commands: string[]) => Promise<string>;
/** Runs SQL on the thread of test/sql-worker.mjs, which keeps its connections open between calls; started on first use. */
let runSql: ((...args: Parameters<RunSql>) => string) | undefined;

/**
 * Runs SQL commands (each autocommitted, as `psql -c` runs them) and returns every row of each as
 * psql's unaligned, tuples-only output prints it: fields joined by `|`, a line per row.
 */
export function psql(url: string, ...commands: string[]): string {
  // Not the test's flags (vitest's own loader): the thread runs plain JavaScript.
  runSql ??= createSyncFn<RunSql>(join(import.meta.dirname, 'sql-worker.mjs'), { execArgv: [] });
  return runSql(url, commands);
}

function withFile<T>(path: string, readonly: boolean, work: (handle: Database.Database) => T): T {
  const handle = new Database(path, { readonly, fileMustExist: true });
  try {
    return work(handle);
  } finally {
    handle.close();
  }
}

const fileSize = (path: string) => (existsSync(path) ? statSync(path).size : 0);

export const sqliteFixture: StoreFixture = {
  location: (dir, name) => join(dir, name),
  query: <T>(db: string, sql: string, ...params: unknown[]) => withFile(db, true, (handle) => handle.prepare(sql).all(...params) as T[]),
  schemaVersion: (db) => withFile(db, true, (handle) => handle.pragma('user_version', { simple: true }) as number),
  markNewer: (db, version) => withFile(db, false, (handle) => handle.pragma(`user_version = ${version}`)),
  holdsCache: (db) => existsSync(db),
  snapshot: (db) =>
    withFile(db, true, (handle) => ({
      // better-sqlite3 reads a lone surrogate back as U+FFFD: the id's bytes say what it was.
      records: (handle.prepare('SELECT *, CAST(id AS BLOB) AS id_bytes FROM records ORDER BY dataset_id, id').all() as Row[]).map(({ id_bytes, ...row }) => ({
        ...row,
        id: decodeText(id_bytes as Uint8Array),
      })),
      datasets: handle.prepare('SELECT * FROM datasets ORDER BY id').all() as Row[],
      runs: handle.prepare('SELECT * FROM runs ORDER BY number').all() as Row[],
      positions: handle.prepare('SELECT last_value FROM positions').all() as Row[],
    })),
  size: (db) => fileSize(db) + fileSize(`${db}-wal`),
  drop: (db) => {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(db + suffix, { force: true });
  },
  positionsRollBack: true,
};

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return `'${String(value).replace(/'/g, "''")}'`;
}

let counter = 0;
// Process ids are reused (they wrap on a busy machine): a random part keeps names of files apart.
const RUN = `${process.pid}_${randomBytes(4).toString('hex')}`;

/** The suite's PostgreSQL server, as a superuser. */
export function adminUrl(): string {
  const url = process.env.RCACHE_TEST_POSTGRES;
  if (!url || url === 'skip') throw new Error('the postgres project needs a PostgreSQL server (RCACHE_TEST_POSTGRES)');
  return url;
}

export const postgresFixture: StoreFixture = {
  location() {
    const database = `rcache_e${RUN}_${++counter}`;
    // The cluster is thrown away after the suite: these databases need no dropping.
    psql(adminUrl(), `CREATE DATABASE ${database} TEMPLATE template0 STRATEGY FILE_COPY`);
    const url = new URL(adminUrl());
    url.pathname = `/${database}`;
    return url.toString();
  },
  query<T>(db: string, sql: string, ...params: unknown[]): T[] {
    let next = 0;
    const bound = sql.replace(/\?/g, () => literal(params[next++]));
    return JSON.parse(psql(db, 'SET search_path = rcache', `SELECT coalesce(json_agg(q), '[]') FROM (${bound}) q`)) as T[];
  },
  schemaVersion: (db) => Number(psql(db, 'SELECT schema_version FROM rcache.meta').trim()),
  markNewer: (db, version) => void psql(db, `UPDATE rcache.meta SET schema_version = ${version}`),
  holdsCache: (db) => psql(db, `SELECT to_regclass('rcache.meta') IS NOT NULL`).trim() === 't',
  snapshot(db: string): Snapshot {
    const all = (table: string, order: string) => `(SELECT coalesce(json_agg(t ORDER BY ${order}), '[]') FROM rcache.${table} t)`;
    const found = JSON.parse(
      psql(
        db,
        `SELECT json_build_object('records', ${all('records', 'dataset_id, id')}, 'datasets', ${all('datasets', 'id')}, 'runs', ${all('runs', 'number')},
          'positions', (SELECT json_agg(json_build_object('last_value', CASE WHEN is_called THEN last_value ELSE 0 END)) FROM rcache.positions))`,
      ),
    ) as Snapshot;
    const names = (row: Row) => ({
      ...row,
      integration: unescapeText(row.integration as string),
      connection: unescapeText(row.connection as string),
      model: unescapeText(row.model as string),
    });
    return {
      // rowid is PostgreSQL's own key of a row, which SQLite's SELECT * does not show.
      records: found.records.map(({ rowid: _, ...row }) => ({ ...row, id: unescapeText(row.id as string) })),
      datasets: found.datasets.map(names),
      runs: found.runs.map(names),
      positions: found.positions,
    };
  },
  size: (db) =>
    Number(
      psql(
        db,
        `SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'rcache' AND c.relkind = 'r'`,
      ).trim(),
    ),
  drop: (db) => void psql(db, 'DROP SCHEMA rcache CASCADE'),
  positionsRollBack: false,
};

/** Whether a location names a PostgreSQL database rather than a SQLite file. */
export function onPostgres(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** The fixture of each store. */
export const FIXTURES: Record<StoreKind, StoreFixture> = { sqlite: sqliteFixture, postgres: postgresFixture };

/** The fixture of the store a location names. */
export function fixtureFor(db: string): StoreFixture {
  return onPostgres(db) ? postgresFixture : sqliteFixture;
}
