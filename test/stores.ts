// Where a test keeps its cache: a temporary SQLite file, or a fresh database on the suite's
// PostgreSQL cluster (see test/setup/postgres.ts). End-to-end suites run their cases once per store.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { tempDir } from './helpers.js';
import { onPostgres } from './store-fixtures.js';

export type StoreKind = 'sqlite' | 'postgres';

const configured = process.env.RCACHE_TEST_POSTGRES;
/** The suite's PostgreSQL server (its maintenance database, as a superuser), when there is one. */
export const POSTGRES_URL = configured && configured !== 'skip' ? configured : undefined;

/** The stores this run of the suite covers. */
export const STORES: StoreKind[] = POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];

let admin: Promise<pg.Client> | undefined;
const created: string[] = [];
let counter = 0;

/** A superuser connection to the cluster, one per test file. */
export function adminClient(): Promise<pg.Client> {
  if (POSTGRES_URL === undefined) throw new Error('no PostgreSQL server for this run');
  return (admin ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    return client;
  })());
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
  const name = `rcache_t${process.pid}_${++counter}`;
  // From template0: a fifth of the time of copying template1 (about 20 ms here).
  await (await adminClient()).query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  created.push(name);
  return { name, url: databaseUrl(name) };
}

/**
 * A location for a fresh, empty cache on the given store: a file path (in `dir`, by default a
 * temporary folder removed after the test) or a URL.
 */
export async function freshStore(kind: StoreKind, dir?: string): Promise<string> {
  if (kind === 'sqlite') return join(dir ?? tempDir(), 'rcache.db');
  return (await freshDatabase()).url;
}

/**
 * A copy of the cache at `location` (no process may have it open), identity and all, made as
 * cheaply as its store allows: the file copied into `dir`, or a new database with it as template.
 */
export async function copyStore(location: string, dir: string): Promise<string> {
  if (!onPostgres(location)) {
    const copy = join(dir, 'cache.db');
    copyFileSync(location, copy);
    return copy;
  }
  return (await freshDatabase(new URL(location).pathname.slice(1))).url;
}

// Tests of a file may run concurrently, so databases are dropped when the file ends, not per test.
afterAll(async () => {
  if (admin === undefined) return;
  const client = await admin;
  admin = undefined;
  for (const name of created.splice(0)) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
});
