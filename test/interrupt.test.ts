// A Ctrl-C that comes while a writing command is still starting (opening the database, loading
// its code) must end it like one during the run: it used to leave the command waiting on its
// input forever, the abort having come before anything listened for it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { scratchDir, sleep, start, until } from './faults-helpers.js';
import { POSTGRES_URL, freshDatabase } from './stores.js';

async function interruptEarly(db: () => Promise<string>, opened: (db: string) => boolean, delays: number[]) {
  const outcomes = await Promise.all(
    delays.map(async (delay) => {
      const location = await db();
      const proc = start(['--db', location, 'save', '--model', 'M']);
      await until(() => opened(location) || !proc.running(), 20_000, 'rcache to start');
      await sleep(delay);
      proc.child.kill('SIGINT');
      const ended = await Promise.race([proc.exit, sleep(15_000).then(() => undefined)]);
      if (ended === undefined) proc.child.kill('SIGKILL');
      return ended;
    }),
  );
  for (const ended of outcomes) {
    expect(ended, 'the command ended').toBeDefined();
    // Before its handler is installed Node ends it by the signal itself; after, it exits with 130.
    if (ended!.signal === null) {
      expect(ended!.code).toBe(130);
      expect(ended!.stderr).toMatch(/^rcache: interrupted by SIGINT/);
    }
  }
}

describe('SIGINT while a writing command starts', () => {
  test('on a file: every one ends, none waits on its input', async () => {
    await interruptEarly(
      async () => join(scratchDir(), 'cache.db'),
      (db) => existsSync(`${db}-wal`),
      [0, 0, 0, 0, 5, 10, 20, 40],
    );
  });

  test.skipIf(POSTGRES_URL === undefined)('on PostgreSQL: every one ends, none waits on its input', async () => {
    await interruptEarly(
      async () => (await freshDatabase()).url,
      () => true,
      [50, 100, 150, 200, 250, 300, 400, 500],
    );
  });
});
