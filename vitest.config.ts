import { accessSync, constants, statfsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { findServer } from './scripts/postgres-cluster.mjs';
import { DEFAULT_STORE, STORE_KINDS, type StoreKind } from './test/store-kinds.js';

/** End-to-end files that run again on every other store, each cache there (see test/store-under-test.ts). */
const ON_EVERY_STORE = [
  'test/cli.test.ts',
  'test/lifecycle-cli.test.ts',
  'test/tailing.test.ts',
  'test/serve.test.ts',
  'test/serve-answers.test.ts',
  'test/reader.test.ts',
  'test/ux.test.ts',
  'test/numbers.test.ts',
  'test/process-limits.test.ts',
  'test/terminal.test.ts',
  'test/sync-writes.test.ts',
  'test/schema-cli.test.ts',
  'test/webhooks.test.ts',
  'test/retention-cli.test.ts',
  'test/resync.test.ts',
  'test/guarantees.test.ts',
  'test/checkpoints-cli.test.ts',
  'test/checkpoints-kill.test.ts',
  'test/stored-schema-cli.test.ts',
  'test/schema-infer-cli.test.ts',
];

const configured = process.env.RCACHE_TEST_POSTGRES;
/** Whether this run has each store: PostgreSQL when a server is configured or installed. */
const AVAILABLE: Record<StoreKind, boolean> = {
  sqlite: true,
  postgres: configured === 'skip' ? false : Boolean(configured) || findServer() !== undefined,
};

/**
 * Where the suite keeps its files (databases, inputs, the PostgreSQL cluster): in memory, on
 * /dev/shm, when TMPDIR names no place of its own and there is room. SQLite makes every commit
 * durable, and on a disk those flushes were a tenth of the suite's time; no test depends on
 * surviving a power cut (crash tests kill processes, and see what each process left behind).
 */
const MEMORY = '/dev/shm';
const ROOM = 4 * 1024 ** 3;
function inMemory(): boolean {
  try {
    accessSync(MEMORY, constants.W_OK);
    const { bavail, bsize } = statfsSync(MEMORY);
    return bavail * bsize >= ROOM;
  } catch {
    return false;
  }
}
if (!process.env.TMPDIR && inMemory()) process.env.TMPDIR = MEMORY;

/**
 * Test files, and the processes they start, run without extra certificate authorities, which Node
 * reads and parses at every start (about 40 ms with a system bundle, more than the rest of a small
 * command); nothing in them uses TLS but npm, which the install test runs and gives them back
 * (RCACHE_TEST_EXTRA_CA_CERTS).
 */
const WITHOUT_EXTRA_CAS = process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: '', RCACHE_TEST_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {};

export default defineConfig({
  test: {
    globalSetup: ['test/setup/postgres.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Nearly all the work is the rcache processes the tests start, one at a time per file: a file
    // more than there are cores fills the moments a file waits (for a browser, a server, npm).
    maxWorkers: availableParallelism() + 1,
    projects: STORE_KINDS.filter((kind) => AVAILABLE[kind]).map((kind) => ({
      extends: true as const,
      test: { name: kind, include: kind === DEFAULT_STORE ? ['test/**/*.test.ts'] : ON_EVERY_STORE, env: { RCACHE_TEST_STORE: kind, ...WITHOUT_EXTRA_CAS } },
    })),
  },
});
