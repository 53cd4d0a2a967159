// A cursor from before a dataset's last reset or expiry is refused, so that a consumer drops its
// copy (which holds records deleted without a trace) and reads again from the beginning; on either
// store (see vitest.config.ts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCache, ResyncRequiredError, type Cache } from '../src/index.js';
import { rcache, start, tempDir, until } from './harness.js';
import { lines, ndjson, seed } from './helpers.js';
import { startServe } from './serve-process.js';
import { dbLocation } from './store-under-test.js';

const SAVED = { RCACHE_NOW: '2024-01-01T00:00:00Z' };
const LATER = { RCACHE_NOW: '2024-03-01T00:00:00Z' };
const CLEARED_AT = '2024-03-01T00:00:00.000Z';
const HEADERS = { 'Provider-Config-Key': 'default', 'Connection-Id': 'default' };

const open: Cache[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((cache) => cache.close()));
});

const cursorOf = (record: Record<string, any>): string => record._nango_metadata.cursor;

async function ids(db: string, args: string[] = []): Promise<string[]> {
  const result = await rcache(['--db', db, 'records', '--model', 'T', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return lines(result.stdout).map((record) => record.id);
}

/** How each kind of hard deletion is made: both stamp LATER. */
const CLEAR = {
  reset: ['reset', '--model', 'T'],
  expired: ['prune', '--dataset-ttl', '30d'],
};

type Reason = keyof typeof CLEAR;

async function clear(db: string, reason: Reason): Promise<void> {
  const result = await rcache(['--db', db, ...CLEAR[reason]], { env: LATER });
  expect(result.code, result.stderr).toBe(0);
}

/** Saves a and b, takes the cursor of b, clears the dataset, then saves c: the cursor is stale. */
async function staleCursor(reason: Reason): Promise<{ db: string; stale: string }> {
  const db = dbLocation(tempDir());
  await seed(db, [{ id: 'a' }, { id: 'b' }], { model: 'T', at: SAVED.RCACHE_NOW });
  const stale = cursorOf(lines((await rcache(['--db', db, 'records', '--model', 'T'])).stdout).at(-1)!);
  await clear(db, reason);
  await seed(db, [{ id: 'c' }], { model: 'T', at: LATER.RCACHE_NOW });
  return { db, stale };
}

function expectRefusal(result: { code: number | null; stdout: string | Buffer; stderr: string }, reason: Reason): void {
  expect(result.code).toBe(3);
  expect(result.stdout.toString()).toBe('');
  expect(result.stderr).toMatch(
    new RegExp(`^rcache: the dataset T was ${reason} at ${CLEARED_AT}, .*drop your copy of its records and read again from the beginning[^\\n]*\\n$`),
  );
}

describe.each(['reset', 'expired'] as const)('a cursor from before the dataset was %s', (reason) => {
  // Read, never written, by the cases that only ask for changes.
  let read: { db: string; stale: string };
  beforeAll(async () => {
    read = await staleCursor(reason);
  });

  it('is refused by records --cursor with exit 3; no cursor, or a cursor from after, reads as usual', async () => {
    const { db, stale } = await staleCursor(reason);
    expectRefusal(await rcache(['--db', db, 'records', '--model', 'T', '--cursor', stale]), reason);
    for (const format of ['json', 'table']) {
      expectRefusal(await rcache(['--db', db, 'records', '--model', 'T', '--cursor', stale, '--format', format]), reason);
    }
    const all = lines((await rcache(['--db', db, 'records', '--model', 'T'])).stdout);
    expect(all.map((record) => record.id)).toEqual(['c']);
    const fresh = cursorOf(all.at(-1)!);
    expect(await ids(db, ['--cursor', fresh])).toEqual([]);
    await seed(db, [{ id: 'd' }], { model: 'T', at: LATER.RCACHE_NOW });
    expect(await ids(db, ['--cursor', fresh])).toEqual(['d']);
    // "Now", taken after the deletion, is a cursor from after it.
    const now = (await rcache(['--db', db, 'cursor', '--model', 'T'])).stdout.trim();
    expect(await ids(db, ['--cursor', now])).toEqual([]);
  });

  it('is refused from a --cursor-file, which is left as it was', async () => {
    const { db, stale } = read;
    const file = join(tempDir(), 'T.cursor');
    writeFileSync(file, `${stale}\n`);
    expectRefusal(await rcache(['--db', db, 'records', '--model', 'T', '--cursor-file', file]), reason);
    expect(readFileSync(file, 'utf8')).toBe(`${stale}\n`);
    // A consumer that drops its copy and its cursor file reads from the beginning.
    const restart = join(tempDir(), 'new.cursor');
    expect(await ids(db, ['--cursor-file', restart])).toEqual(['c']);
    expect(existsSync(restart)).toBe(true);
    expect(await ids(db, ['--cursor-file', restart])).toEqual([]);
  });

  it('stops a running follower with exit 3, its cursor file naming the last record it printed', async () => {
    const db = dbLocation(tempDir());
    await seed(db, [{ id: 'a' }, { id: 'b' }], { model: 'T', at: SAVED.RCACHE_NOW });
    const file = join(tempDir(), 'T.cursor');
    const follower = start(['--db', db, 'records', '--model', 'T', '--follow', '--interval', '0.1', '--cursor-file', file]);
    await until(() => follower.stdout().includes('"b"') || !follower.running(), 'the backlog');
    const last = cursorOf(lines(follower.stdout()).at(-1)!);
    await clear(db, reason);
    await rcache(['--db', db, 'save', '--model', 'T'], { input: ndjson([{ id: 'c' }]), env: LATER });
    const { code } = await follower.exit;
    expectRefusal({ code, stdout: '', stderr: follower.err() }, reason);
    expect(lines(follower.stdout()).map((record) => record.id)).toEqual(['a', 'b']);
    expect(readFileSync(file, 'utf8').trim()).toBe(last);
  });

  it('is answered 410 resync_required by GET /records', async () => {
    const { db, stale } = read;
    const server = await startServe(db);
    const refused = await fetch(`${server.url}/records?model=T&cursor=${stale}`, { headers: HEADERS });
    expect(refused.status).toBe(410);
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('resync_required');
    expect(error.message).toMatch(new RegExp(`^the dataset T was ${reason} at ${CLEARED_AT}, .*read again from the beginning`));
    const fresh = (await (await fetch(`${server.url}/records?model=T`, { headers: HEADERS })).json()) as { records: Record<string, any>[] };
    expect(fresh.records.map((record) => record.id)).toEqual(['c']);
    const after = await fetch(`${server.url}/records?model=T&cursor=${cursorOf(fresh.records[0]!)}`, { headers: HEADERS });
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ records: [], next_cursor: null });
  });

  it('is refused by the library with a ResyncRequiredError naming the reason and the time', async () => {
    const { db, stale } = read;
    const cache = await openCache(db);
    open.push(cache);
    const reading = async (cursor?: string) => {
      const found: string[] = [];
      for await (const record of cache.changes({ model: 'T' }, { cursor })) found.push(record.id);
      return found;
    };
    const error = await reading(stale).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResyncRequiredError);
    expect(error).toMatchObject({ reason, at: Date.parse(CLEARED_AT) });
    const reader = await cache.reader({ model: 'T' }, { cursor: stale });
    await expect(reader.next(10)).rejects.toBeInstanceOf(ResyncRequiredError);
    expect(await reading()).toEqual(['c']);
    const fresh = (await cache.changes({ model: 'T' }).next()).value!;
    expect(await reading(fresh._nango_metadata.cursor)).toEqual([]);
  });
});

describe('what is not a hard deletion', () => {
  it('payload pruning leaves every cursor valid; an expired dataset not saved since refuses one too', async () => {
    const db = dbLocation(tempDir());
    await seed(db, [{ id: 'a' }, { id: 'b' }], { model: 'T', at: SAVED.RCACHE_NOW });
    const first = cursorOf(lines((await rcache(['--db', db, 'records', '--model', 'T'])).stdout)[0]!);
    const pruned = await rcache(['--db', db, 'prune', '--payload-ttl', '30d', '--dataset-ttl', '90d', '--json'], { env: LATER });
    expect(JSON.parse(pruned.stdout)).toMatchObject({ pruned: 2, datasets_expired: 0 });
    expect(await ids(db, ['--cursor', first])).toEqual(['b']);
    await clear(db, 'expired');
    const result = await rcache(['--db', db, 'records', '--model', 'T', '--cursor', first]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/rcache: the dataset T was expired at /);
  });
});
