import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/postgres.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Most of a test's time is spent waiting for the rcache processes it starts, so two files at
    // once keep a 2-core machine busy without starving those processes.
    maxWorkers: 2,
  },
});
