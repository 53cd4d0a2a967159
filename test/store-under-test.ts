// The store the end-to-end cases run against: a SQLite file in the default project, and each
// other store of store-kinds.ts in a project of its own (vitest.config.ts sets RCACHE_TEST_STORE);
// on PostgreSQL each location is a fresh database on the suite's cluster. Locations are made and
// inspected synchronously, through the store's fixture (store-fixtures.ts), as cases expect of a path.
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { descriptorsOf } from './harness.js';
import { DEFAULT_STORE, isStoreKind, type StoreKind } from './store-kinds.js';
import { FIXTURES, adminUrl, fixtureFor, onPostgres, psql } from './store-fixtures.js';

const chosen = process.env.RCACHE_TEST_STORE ?? DEFAULT_STORE;
if (!isStoreKind(chosen)) throw new Error(`RCACHE_TEST_STORE names no store of the suite: ${chosen}`);
export const STORE_UNDER_TEST: StoreKind = chosen;
export const ON_POSTGRES = STORE_UNDER_TEST === 'postgres';

/**
 * A case whose outcome does not depend on the store (a usage error, help, rendering, a path that
 * is no database): the default store's run covers it, and the other stores' projects, which would
 * only repeat it, skip it.
 */
export const itOnce = it.skipIf(STORE_UNDER_TEST !== DEFAULT_STORE);
export const describeOnce = describe.skipIf(STORE_UNDER_TEST !== DEFAULT_STORE);

/** Where a case keeps its cache: `dir/name` for SQLite, a new empty database for PostgreSQL. */
export function dbLocation(dir: string, name = 'cache.db'): string {
  return FIXTURES[STORE_UNDER_TEST].location(dir, name);
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
