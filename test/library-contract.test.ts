import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCache, type Cache } from '../src/index.js';
import { tempDir } from './helpers.js';

const open: Cache[] = [];
afterEach(async () => {
  for (const cache of open.splice(0)) await cache.close();
});

/** A cache whose clock the test sets. */
async function clocked(start: number) {
  const clock = { now: start };
  const path = join(tempDir(), 'cache.db');
  const cache = await openCache(path, { now: () => clock.now });
  open.push(cache);
  return { cache, clock, path };
}

describe('a clock that steps back', () => {
  it('never makes a run last longer than it did, nor moves the last run of a dataset back', async () => {
    const later = Date.parse('2026-06-01T00:00:00Z');
    const { cache, clock } = await clocked(later);
    await cache.save({ model: 'M' }, ['{"id":1}', '{"id":2}']);
    clock.now = later - 76_000_000_000;
    await cache.save({ model: 'M' }, ['{"id":3}']);
    await cache.pruneUntil({ model: 'M' }, (await cache.changes({ model: 'M' }).next()).value!._nango_metadata.cursor);
    await cache.reset({ model: 'M' });
    const runs = await cache.runs();
    expect(runs.map((run) => run.kind)).toEqual(['save', 'save', 'prune', 'reset']);
    for (const run of runs) {
      expect(run.finishedAt - run.startedAt).toBeLessThan(60_000);
      expect(run.startedAt).toBeGreaterThanOrEqual(later);
    }
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.startedAt).toBeGreaterThanOrEqual(runs[i - 1]!.finishedAt);
    const [stats] = await cache.stats();
    expect(stats!.lastRunAt).toBeGreaterThanOrEqual(later);
  });
});
