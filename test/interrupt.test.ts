// A Ctrl-C that comes while a writing command is still starting (opening the database, loading
// its code) must end it like one during the run: it used to leave the command waiting on its
// input forever, the abort having come before anything listened for it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { start, tempDir, until, within, type Proc } from './harness.js';
import { opened } from './store-under-test.js';
import { POSTGRES_URL, freshDatabase } from './stores.js';

/** Whether the process's main thread sleeps in its event loop (waiting on its input, once started). */
function asleep(pid: number): boolean {
  try {
    return /poll/.test(readFileSync(`/proc/${pid}/wchan`, 'utf8'));
  } catch {
    return true;
  }
}

/** Moments of a writing command's start, each one a SIGINT is sent at (three commands each). */
const MOMENTS: [string, (proc: Proc, db: string) => boolean][] = [
  ['as it starts', () => true],
  ['once it has the database open', (_, db) => opened(db)],
  ['once it waits on its input', (proc, db) => opened(db) && asleep(proc.child.pid!)],
];

async function interruptEarly(db: () => Promise<string>) {
  const runs = MOMENTS.flatMap((moment) => [moment, moment, moment]);
  const outcomes = await Promise.all(
    runs.map(async ([name, reached]) => {
      const location = await db();
      const proc = start(['--db', location, 'save', '--model', 'M']);
      await until(() => reached(proc, location) || !proc.running(), 20_000, `rcache ${name}`);
      proc.child.kill('SIGINT');
      return { name, ended: (await within(proc.exit, 15_000))?.value };
    }),
  );
  for (const { name, ended } of outcomes) {
    expect(ended, `the command interrupted ${name} ended`).toBeDefined();
    // Before its handler is installed Node ends it by the signal itself; after, it exits with 130.
    if (ended!.signal === null) {
      expect(ended!.code).toBe(130);
      expect(ended!.stderr).toMatch(/^rcache: interrupted by SIGINT/);
    }
  }
}

describe('SIGINT while a writing command starts', () => {
  test('on a file: every one ends, none waits on its input', async () => {
    await interruptEarly(async () => join(tempDir(), 'cache.db'));
  });

  test.skipIf(POSTGRES_URL === undefined)('on PostgreSQL: every one ends, none waits on its input', async () => {
    await interruptEarly(async () => (await freshDatabase()).url);
  });
});
