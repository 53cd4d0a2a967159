// What prune leaves behind, as `records` and `stats` show it, on either store (see vitest.config.ts).
import { describe, expect, it } from 'vitest';
import { ndjson, rcache, tempDir } from './helpers.js';
import { dbLocation } from './store-under-test.js';

const SAVED = { RCACHE_NOW: '2024-01-01T00:00:00Z' };
const LATER = { RCACHE_NOW: '2024-03-01T00:00:00Z' };

async function statsOf(db: string) {
  return JSON.parse((await rcache(['--db', db, 'stats', '--json'])).stdout).datasets as Record<string, unknown>[];
}

async function runsOf(db: string) {
  return JSON.parse((await rcache(['--db', db, 'stats', '--runs', '--json'])).stdout).runs as Record<string, unknown>[];
}

describe('prune names its datasets exactly in the run history', () => {
  it('a model with a backslash: the prune run names it as given, and counts on the dataset', async () => {
    const db = dbLocation(tempDir());
    const model = 'Acme\\Contact';
    expect((await rcache(['--db', db, 'save', '--model', model], { input: ndjson([{ id: 'a' }, { id: 'b' }]), env: SAVED })).code).toBe(0);
    const pruned = await rcache(['--db', db, 'prune', '--payload-ttl', '30d', '--dataset-ttl', '90d', '--json'], { env: LATER });
    expect(JSON.parse(pruned.stdout)).toEqual({ pruned: 2, datasets_expired: 0, records_deleted: 0 });
    expect((await runsOf(db)).map((run) => [run.kind, run.model, run.pruned])).toEqual([
      ['save', model, 0],
      ['prune', model, 2],
    ]);
    expect(await statsOf(db)).toEqual([expect.objectContaining({ model, runs: 2, pruned: 2, last_run_at: '2024-03-01T00:00:00.000Z' })]);
    const narrowed = JSON.parse((await rcache(['--db', db, 'stats', '--runs', '--json', '--model', model])).stdout).runs;
    expect(narrowed.map((run: { kind: string }) => run.kind)).toEqual(['save', 'prune']);
  });

  it('an expired dataset with a backslash in each name is named as given in the history', async () => {
    const db = dbLocation(tempDir());
    const names = ['--integration', 'in\\teg', '--connection', 'c\\\\d', '--model', 'M\\0'];
    expect((await rcache(['--db', db, 'save', ...names], { input: ndjson([{ id: 'a' }]), env: SAVED })).code).toBe(0);
    const expired = await rcache(['--db', db, 'prune', '--dataset-ttl', '30d', '--json'], { env: LATER });
    expect(JSON.parse(expired.stdout)).toEqual({ pruned: 0, datasets_expired: 1, records_deleted: 1 });
    expect((await runsOf(db)).map((run) => [run.kind, run.integration, run.connection, run.model])).toEqual([
      ['save', 'in\\teg', 'c\\\\d', 'M\\0'],
      ['prune', 'in\\teg', 'c\\\\d', 'M\\0'],
    ]);
    expect(await statsOf(db)).toEqual([]);
  });
});
