// The store the end-to-end cases run against: a SQLite file by default, PostgreSQL in the
// `postgres` project of vitest.config.ts (RCACHE_TEST_STORE=postgres), where each location is a
// fresh database on the suite's cluster. Both are made and inspected synchronously (through the
// store's fixture in store-fixtures.ts), as the cases expect of a file path.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { descriptorsOf } from './harness.js';
import { fixtureFor, onPostgres, psql } from './store-fixtures.js';
import type { StoreKind } from './stores.js';

export const STORE_UNDER_TEST: StoreKind = process.env.RCACHE_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
export const ON_POSTGRES = STORE_UNDER_TEST === 'postgres';

/**
 * A case whose outcome does not depend on the store (a usage error, help, rendering, a path that
 * is no database): the SQLite run covers it, and the postgres project, which would only repeat
 * it, skips it.
 */
export const itOnce = it.skipIf(ON_POSTGRES);
export const describeOnce = describe.skipIf(ON_POSTGRES);

function adminUrl(): string {
  const url = process.env.RCACHE_TEST_POSTGRES;
  if (!url || url === 'skip') throw new Error('the postgres project needs a PostgreSQL server (RCACHE_TEST_POSTGRES)');
  return url;
}

let counter = 0;
// Process ids are reused (they wrap on a busy machine): a random part keeps names of files apart.
const RUN = `${process.pid}_${randomBytes(4).toString('hex')}`;

/** Where a case keeps its cache: `dir/name` for SQLite, a new empty database for PostgreSQL. */
export function dbLocation(dir: string, name = 'cache.db'): string {
  if (!ON_POSTGRES) return join(dir, name);
  const database = `rcache_e${RUN}_${++counter}`;
  // The cluster is thrown away after the suite: these databases need no dropping.
  psql(adminUrl(), `CREATE DATABASE ${database} TEMPLATE template0`);
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

/** Whether anything of rcache's is at the location: the file, or the schema in the database. */
export function holdsCache(db: string): boolean {
  return fixtureFor(db).holdsCache(db);
}

/** Marks the cache at the location as written by a newer rcache, with schema `version`. */
export function markNewer(db: string, version: number): void {
  fixtureFor(db).markNewer(db, version);
}

/** How many sessions of rcache's are connected to the PostgreSQL database at `db` (with `where`, those that match it). */
function sessions(db: string, where = 'true'): number {
  const database = new URL(db).pathname.slice(1);
  return Number(psql(adminUrl(), `SELECT count(*) FROM pg_stat_activity WHERE datname = '${database}' AND application_name = 'rcache' AND ${where}`).trim());
}

/** Whether some rcache process has the database open: its -wal file exists, or a session of rcache's is connected to it. */
export function opened(db: string): boolean {
  return onPostgres(db) ? sessions(db) > 0 : existsSync(`${db}-wal`);
}

/**
 * Whether process `pid` follows the database: it holds the file open, or (PostgreSQL) some rcache
 * session of the database listens for commits.
 */
export function following(pid: number, db: string): boolean {
  if (onPostgres(db)) return sessions(db, "query IN ('LISTEN rcache', 'SELECT 1')") > 0;
  return (descriptorsOf(pid, db)?.length ?? 0) > 0;
}
