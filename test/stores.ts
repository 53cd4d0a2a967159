// Where a test keeps its cache: a temporary SQLite file, or a fresh database on the suite's
// PostgreSQL cluster (see test/setup/postgres.ts). End-to-end suites run their cases once per store.
import { randomBytes } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { tempDir } from './helpers.js';
import { STORE_KINDS, type StoreKind } from './store-kinds.js';

const configured = process.env.RCACHE_TEST_POSTGRES;
/** The suite's PostgreSQL server (its maintenance database, as a superuser), when there is one. */
export const POSTGRES_URL = configured && configured !== 'skip' ? configured : undefined;

interface StoreMaker {
  /** Whether this run of the suite has the store. */
  available: boolean;
  /** A location for a fresh, empty cache; a file goes in `dir`, by default a folder removed after the test. */
  fresh(dir?: string): Promise<string>;
  /** A copy of the cache at `location`, identity and all (no process may have it open). */
  copy(location: string, dir: string): Promise<string>;
}

/** How a test makes a cache on each store of STORE_KINDS (store-kinds.ts). */
const MAKERS: Record<StoreKind, StoreMaker> = {
  sqlite: {
    available: true,
    fresh: async (dir) => join(dir ?? tempDir(), 'rcache.db'),
    copy: async (location, dir) => {
      const copy = join(dir, 'rcache.db');
      copyFileSync(location, copy);
      return copy;
    },
  },
  postgres: {
    available: POSTGRES_URL !== undefined,
    fresh: async () => (await freshDatabase()).url,
    // A database with another as its template is a copy of it, made by the server: no dump, no load.
    copy: async (location) => (await freshDatabase(new URL(location).pathname.slice(1))).url,
  },
};

export type { StoreKind };

/** The stores this run of the suite covers. */
export const STORES = STORE_KINDS.filter((kind) => MAKERS[kind].available);

let admin: pg.Pool | undefined;
const created: string[] = [];
let counter = 0;
// Process ids are reused (they wrap on a busy machine): a random part keeps names of files apart.
const RUN = `${process.pid}_${randomBytes(4).toString('hex')}`;

/**
 * Superuser connections to the cluster, a pool per test file: tests of a file run concurrently,
 * and a pool queues their queries where one connection would be asked for two at once.
 */
export async function adminClient(): Promise<pg.Pool> {
  if (POSTGRES_URL === undefined) throw new Error('no PostgreSQL server for this run');
  admin ??= new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  return admin;
}

/** The URL of another database on the same server, as the same user. */
export function databaseUrl(database: string, user?: { name: string; password: string }): string {
  const url = new URL(POSTGRES_URL!);
  url.pathname = `/${database}`;
  if (user) {
    url.username = encodeURIComponent(user.name);
    url.password = encodeURIComponent(user.password);
  }
  return url.toString();
}

/** A new database, empty or a copy of `template`; every one a file created is dropped when the file ends. */
export async function freshDatabase(template = 'template0'): Promise<{ name: string; url: string }> {
  const name = `rcache_t${RUN}_${++counter}`;
  // From template0: a fifth of the time of copying template1 (about 20 ms here). Copied as files
  // (the cluster's fsync is off, so the checkpoint that takes is cheap) rather than through the
  // write-ahead log: about 40% less of the server's time while other tests write.
  await (await adminClient()).query(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`);
  created.push(name);
  return { name, url: databaseUrl(name) };
}

/** A location for a fresh, empty cache on the given store: a file path (in `dir`, if given) or a URL. */
export function freshStore(kind: StoreKind, dir?: string): Promise<string> {
  return MAKERS[kind].fresh(dir);
}

/** A copy of the cache at `location`, of the given store, made as cheaply as the store allows. */
export function copyStore(kind: StoreKind, location: string, dir: string): Promise<string> {
  return MAKERS[kind].copy(location, dir);
}

// Tests of a file may run concurrently, so databases are dropped when the file ends, not per test.
afterAll(async () => {
  if (admin === undefined) return;
  const pool = admin;
  admin = undefined;
  for (const name of created.splice(0)) await pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await pool.end();
});
