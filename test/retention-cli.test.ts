// What prune leaves behind, as `records` and `stats` show it, on either store (see vitest.config.ts).
import { describe, expect, it } from 'vitest';
import { lines, rcache, seed, tempDir } from './helpers.js';
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
    await seed(db, [{ id: 'a' }, { id: 'b' }], { model, at: SAVED.RCACHE_NOW });
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
    await seed(db, [{ id: 'a' }], { integration: 'in\\teg', connection: 'c\\\\d', model: 'M\\0', at: SAVED.RCACHE_NOW });
    const expired = await rcache(['--db', db, 'prune', '--dataset-ttl', '30d', '--json'], { env: LATER });
    expect(JSON.parse(expired.stdout)).toEqual({ pruned: 0, datasets_expired: 1, records_deleted: 1 });
    expect((await runsOf(db)).map((run) => [run.kind, run.integration, run.connection, run.model])).toEqual([
      ['save', 'in\\teg', 'c\\\\d', 'M\\0'],
      ['prune', 'in\\teg', 'c\\\\d', 'M\\0'],
    ]);
    expect(await statsOf(db)).toEqual([]);
  });
});

describe('pruned records keep their ids exactly', () => {
  it('lone surrogates: each pruned record prints its own id, as given', async () => {
    const db = dbLocation(tempDir());
    const input = '{"id":"\\ud800","v":1}\n{"id":"\\udc00","v":2}\n{"id":"x\\udbff","v":3}\n{"id":"\\ufffd","v":4}\n';
    await seed(db, input.split('\n').filter(Boolean), { at: SAVED.RCACHE_NOW });
    const pruned = await rcache(['--db', db, 'prune', '--payload-ttl', '30d', '--dataset-ttl', '90d', '--json'], { env: LATER });
    expect(JSON.parse(pruned.stdout)).toMatchObject({ pruned: 4 });
    const printed = await rcache(['--db', db, 'records', '--model', 'M']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('"id":"\\ud800"');
    expect(lines(printed.stdout).map((record) => [record.id, record._nango_metadata.pruned_at])).toEqual([
      ['\ud800', '2024-03-01T00:00:00.000Z'],
      ['\udc00', '2024-03-01T00:00:00.000Z'],
      ['x\udbff', '2024-03-01T00:00:00.000Z'],
      ['\ufffd', '2024-03-01T00:00:00.000Z'],
    ]);
    // Each is still its own record: saving one again restores its payload alone.
    const again = await rcache(['--db', db, 'save', '--model', 'M', '--json'], { input: '{"id":"\\udc00","v":2}\n', env: LATER });
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, unchanged: 1 });
    const restored = lines((await rcache(['--db', db, 'records', '--model', 'M'])).stdout).filter((record) => record.v !== undefined);
    expect(restored.map((record) => record.id)).toEqual(['\udc00']);
  });
});
