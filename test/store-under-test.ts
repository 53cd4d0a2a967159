// The store the end-to-end cases run against: a SQLite file by default, PostgreSQL in the
// `postgres` project of vitest.config.ts (RCACHE_TEST_STORE=postgres), where each location is a
// fresh database on the suite's cluster. Both are made and inspected synchronously, as the cases
// expect of a file path.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { findServer } from '../scripts/postgres-cluster.mjs';
import type { StoreKind } from './stores.js';

export const STORE_UNDER_TEST: StoreKind = process.env.RCACHE_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
export const ON_POSTGRES = STORE_UNDER_TEST === 'postgres';

function adminUrl(): string {
  const url = process.env.RCACHE_TEST_POSTGRES;
  if (!url || url === 'skip') throw new Error('the postgres project needs a PostgreSQL server (RCACHE_TEST_POSTGRES)');
  return url;
}

function psqlPath(): string {
  const bin = findServer();
  return bin !== undefined && existsSync(join(bin, 'psql')) ? join(bin, 'psql') : 'psql';
}

/** Runs SQL with psql and returns its unaligned output. */
function psql(url: string, ...commands: string[]): string {
  const result = spawnSync(psqlPath(), [url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...commands.flatMap((command) => ['-c', command])], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr || result.error}`);
  return result.stdout;
}

let counter = 0;

/** Where a case keeps its cache: `dir/name` for SQLite, a new empty database for PostgreSQL. */
export function dbLocation(dir: string, name = 'cache.db'): string {
  if (!ON_POSTGRES) return join(dir, name);
  const database = `rcache_e${process.pid}_${++counter}`;
  // The cluster is thrown away after the suite: these databases need no dropping.
  psql(adminUrl(), `CREATE DATABASE ${database} TEMPLATE template0`);
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

/*
 * The PostgreSQL schema under the names of the SQLite one, as temporary views of the session that
 * reads them (a permanent view would make the database another program's in rcache's eyes).
 */
const SQLITE_NAMES = `
  CREATE TEMP VIEW records AS SELECT dataset_uid AS dataset_id, key AS rowid, id, position AS seq, action, hash, raw_hash,
    payload, size, first_seen_at, last_modified_at, deleted_at, pruned_at FROM rcache.records;
  CREATE TEMP VIEW datasets AS SELECT uid AS id, integration, connection, model, generation, live, deleted, pruned, bytes,
    runs, last_run_at, last_sync_at, last_change_at FROM rcache.datasets;
  CREATE TEMP VIEW runs AS SELECT number AS id, kind, integration, connection, model, started_at, finished_at,
    added, updated, unchanged, deleted, unknown, duplicates, rejected, pruned FROM rcache.runs;
  CREATE TEMP VIEW sequence AS SELECT 1 AS id, CASE WHEN is_called THEN last_value ELSE 0 END AS value FROM rcache.positions;`;

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return `'${String(value).replace(/'/g, "''")}'`;
}

/**
 * Reads the database directly, as a check independent of rcache's own reading code: SQL over the
 * SQLite schema's tables and columns, with `?` parameters, on either store.
 */
export function inspect<T = Record<string, unknown>>(db: string, sql: string, ...params: unknown[]): T[] {
  if (!isUrl(db)) {
    const handle = new Database(db, { readonly: true });
    try {
      return handle.prepare(sql).all(...params) as T[];
    } finally {
      handle.close();
    }
  }
  let next = 0;
  const bound = sql.replace(/\?/g, () => literal(params[next++]));
  return JSON.parse(psql(db, SQLITE_NAMES, `SELECT coalesce(json_agg(q), '[]') FROM (${bound}) q`)) as T[];
}

function isUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** Whether anything of rcache's is at the location: the file, or the schema in the database. */
export function holdsCache(db: string): boolean {
  if (!isUrl(db)) return existsSync(db);
  return psql(db, `SELECT to_regclass('rcache.meta') IS NOT NULL`).trim() === 't';
}

/** Marks the cache at the location as written by a newer rcache, with schema `version`. */
export function markNewer(db: string, version: number): void {
  if (isUrl(db)) {
    psql(db, `UPDATE rcache.meta SET schema_version = ${version}`);
    return;
  }
  const handle = new Database(db);
  try {
    handle.pragma(`user_version = ${version}`);
  } finally {
    handle.close();
  }
}

/**
 * Whether process `pid` follows the database: it holds the file open, or (PostgreSQL) some rcache
 * session of the database listens for commits.
 */
export function following(pid: number, db: string): boolean {
  if (isUrl(db)) {
    const database = new URL(db).pathname.slice(1);
    const count = psql(
      adminUrl(),
      `SELECT count(*) FROM pg_stat_activity WHERE datname = '${database}' AND application_name = 'rcache' AND query IN ('LISTEN rcache', 'SELECT 1')`,
    );
    return Number(count.trim()) > 0;
  }
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === db;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
