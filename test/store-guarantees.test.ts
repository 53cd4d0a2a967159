// What the stores promise alike, end to end through the built binary on each store of STORES; the
// cases about files, file systems and paths are SQLite's alone and say so.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { encodeCursor } from '../src/decisions/cursor.js';
import { displayLocation } from '../src/stores/open.js';
import { APPLICATION_ID } from '../src/stores/sqlite/schema.js';
import initial from '../src/stores/sqlite/migrations/001-initial.js';
import { scratchDir, start, until, type Proc } from './faults-helpers.js';
import { changesOf, lines, ndjson, rcache, seed, withCache } from './helpers.js';
import { fixtureFor } from './store-fixtures.js';
import { freshStore, STORES } from './stores.js';

// The cases run concurrently, each in folders of its own that last until the file ends
// (scratchDir); a process a case leaves running is killed then.
function follow(db: string, model: string): Proc {
  return start(['--db', db, 'records', '--model', model, '--follow', '--interval', '0.1']);
}

const OLD = { RCACHE_NOW: '2024-01-01T00:00:00Z' };
const LATER = { RCACHE_NOW: '2024-06-01T00:00:00Z' };

/** The rows of the database, read by its store's fixture. */
const rows = (db: string) => fixtureFor(db).snapshot(db);

/** The cursors of a dataset's records, in change order, read through the library in this process. */
const cursorsOf = async (db: string, model: string) => (await changesOf(db, model)).map((record) => record._nango_metadata.cursor);

const DAY = 86_400_000;

describe.concurrent.each(STORES)("a dataset's identity is never reused, on %s", (store) => {
  it('an expired dataset keeps its id to itself: a new dataset gets another one', async () => {
    const db = await freshStore(store, scratchDir());
    await seed(db, [{ id: 'a1' }], { model: 'A', at: OLD.RCACHE_NOW });
    const old = rows(db).datasets.find((row) => row.model === 'A')!.id as number;
    expect((await rcache(['--db', db, 'prune', '--json'], { env: LATER })).stdout).toContain('"datasets_expired":1');
    await rcache(['--db', db, 'save', '--model', 'B'], { input: ndjson([{ id: 'b1' }]), env: LATER });
    const ids = rows(db).datasets.map((row) => row.id);
    expect(ids).toHaveLength(1);
    expect(ids[0]).toBeGreaterThan(old);
  });

  it("a follower of a dataset that is expired says so and stops with exit 3, and never prints another dataset's records", async () => {
    const db = await freshStore(store, scratchDir());
    await seed(db, [{ id: 'a1' }], { model: 'A', at: OLD.RCACHE_NOW });
    const follower = follow(db, 'A');
    await until(() => follower.out().toString().includes('"a1"'), 20_000, 'the follower to print the backlog');
    const pruned = await withCache(db, (cache) => cache.prune({ payloadTtl: 30 * DAY, datasetTtl: 90 * DAY }), LATER.RCACHE_NOW);
    expect(pruned.datasetsExpired).toBe(1);
    await seed(db, [{ id: 'b1', secret: 'of B' }], { model: 'B', at: LATER.RCACHE_NOW });
    const result = await follower.exit;
    expect(result.code).toBe(3);
    expect(result.stderr.toString()).toMatch(/^rcache: the dataset A was expired at 2024-06-01T00:00:00.000Z, after this cursor/);
    expect(result.stdout.toString()).not.toContain('of B');
  });

  it('a follower of a dataset that is reset says so and stops with exit 3', async () => {
    const db = await freshStore(store, scratchDir());
    await seed(db, [{ id: 'a1' }], { model: 'A' });
    const follower = follow(db, 'A');
    await until(() => follower.out().toString().includes('"a1"'), 20_000, 'the follower to print the backlog');
    expect(await withCache(db, (cache) => cache.reset({ model: 'A' }))).toBe(1);
    await seed(db, [{ id: 'a2' }], { model: 'A' });
    const result = await follower.exit;
    expect(result.code).toBe(3);
    expect(result.stderr.toString()).toMatch(/the dataset A was reset at .*read again from the beginning/);
  });
});

/** Mount points made by a test, unmounted and removed when the file's tests end. */
const mounts: string[] = [];
afterAll(() => {
  for (const point of mounts.splice(0)) {
    execFileSync('umount', ['-l', point], { stdio: 'ignore' });
    rmSync(point, { recursive: true, force: true });
  }
});

/** A new, empty mount point, mounted with these `mount` arguments (the point is appended). */
function mountAt(name: string, args: string[]): string {
  const point = join(tmpdir(), `${name}-${process.pid}`);
  mkdirSync(point, { recursive: true });
  execFileSync('mount', [...args, point]);
  mounts.push(point);
  return point;
}

describe.concurrent.each(STORES)('cursors name their database, on %s', (store) => {
  async function withCursor() {
    const db = await freshStore(store, scratchDir());
    await seed(db, [{ id: 'a' }, { id: 'b' }, { id: 'c' }], { model: 'M' });
    const cursor = (await cursorsOf(db, 'M'))[1]!;
    return { db, cursor };
  }

  it('a cursor from a database deleted and created again is refused with exit 2, not answered with nothing', async () => {
    const { db, cursor } = await withCursor();
    fixtureFor(db).drop(db);
    await seed(
      db,
      Array.from({ length: 5 }, (_, i) => ({ id: `new-${i}` })),
      { model: 'M' },
    );
    const result = await rcache(['--db', db, 'records', '--model', 'M', '--cursor', cursor]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^rcache: cursor '[A-Za-z0-9_-]+' comes from another database .*read again from the beginning\n$/);
  });

  it('a cursor without a database id is refused with exit 2, never read as a position here', async () => {
    const { db } = await withCursor();
    const bare = Buffer.from('rc:2').toString('base64url');
    const read = await rcache(['--db', db, 'records', '--model', 'M', '--cursor', bare]);
    expect(read).toMatchObject({ code: 2, stdout: '', stderr: `rcache: invalid cursor '${bare}': it names no database; use a cursor that rcache printed\n` });
    const pruned = await rcache(['--db', db, 'prune', '--model', 'M', '--until-cursor', bare]);
    expect(pruned.code).toBe(2);
    expect(rows(db).records.filter((row) => row.payload === null)).toEqual([]);
  });

  it('a cursor beyond the last change of its database is refused', async () => {
    const { db, cursor } = await withCursor();
    const beyond = encodeCursor(cursor.slice(0, 12), 1000);
    const result = await rcache(['--db', db, 'records', '--model', 'M', '--cursor', beyond]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is beyond the last change of this database/);
    const prune = await rcache(['--db', db, 'prune', '--model', 'M', '--until-cursor', beyond]);
    expect(prune.code).toBe(2);
  });
});

describe.concurrent.each(STORES)('commands that only remove never create a dataset, on %s', (store) => {
  it('reset and delete of a dataset that does not exist leave stats as they were', async () => {
    const db = await freshStore(store, scratchDir());
    await seed(db, [{ id: 'a' }], { model: 'Contact' });
    const reset = await rcache(['--db', db, 'reset', '--model', 'Nope', '--json']);
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.stdout)).toMatchObject({ deleted: 0 });
    expect(reset.stderr).toMatch(/there is no dataset Nope/);
    const removed = await rcache(['--db', db, 'delete', '--model', 'Nope', '--json', 'a']);
    expect(JSON.parse(removed.stdout)).toMatchObject({ deleted: 0, unknown: 1 });
    const stats = await withCache(db, (cache) => cache.stats());
    expect(stats.map((d) => d.model)).toEqual(['Contact']);
    expect(rows(db).datasets.map((row) => row.model)).toEqual(['Contact']);
  });
});

describe.concurrent.each(STORES)('times stamped on changes never go backwards, on %s', (store) => {
  it('a clock stepping back stamps the latest time again: last_modified_at never precedes first_seen_at', async () => {
    const db = await freshStore(store, scratchDir());
    await seed(db, [{ id: 'a', v: 1 }], { model: 'M', at: '2024-01-02T00:00:00Z' });
    const saved = await rcache(['--db', db, 'save', '--model', 'M'], {
      input: ndjson([{ id: 'a', v: 2 }, { id: 'b' }]),
      env: { RCACHE_NOW: '2024-01-01T00:00:00Z' },
    });
    expect(saved.code, saved.stderr).toBe(0);
    const records = rows(db).records;
    for (const record of records) expect(Number(record.last_modified_at) >= Number(record.first_seen_at)).toBe(true);
    expect(records.map((r) => [r.id, new Date(Number(r.last_modified_at)).toISOString()])).toEqual([
      ['a', '2024-01-02T00:00:00.000Z'],
      ['b', '2024-01-02T00:00:00.000Z'],
    ]);
    const since = await rcache(['--db', db, 'records', '--model', 'M', '--modified-after', '2024-01-02T00:00:00Z']);
    expect(lines(since.stdout).map((r) => r.id)).toEqual(['a', 'b']);
  });
});

// SQLite only: what a file path may name. A URL names a server, which answers for itself.
describe.concurrent('--db names a file rcache can find again, on sqlite', () => {
  it.each([
    ['an empty path', ['--db', ''], {}],
    ['an unset variable in a script', [], { RCACHE_DB: '' }],
    [':memory:', ['--db', ':memory:'], {}],
    ['a SQLite URI', ['--db', 'file:cache.db?mode=memory'], {}],
  ])('%s is refused: exit 1, nothing saved anywhere', async (_name, args, env) => {
    const cwd = scratchDir();
    const result = await rcache([...args, 'save', '--model', 'M', '--json'], { input: ndjson([{ id: 'a' }]), env, cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^rcache: .*(empty|not a file path).*\n$/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a FIFO is refused at once, and nothing is created beside it', async () => {
    const dir = scratchDir();
    const fifo = join(dir, 'pipe.db');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const result = await rcache(['--db', fifo, 'save', '--model', 'M'], { input: ndjson([{ id: 'a' }]) });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^rcache: cannot open database .*pipe\.db: it is not a regular file/);
    expect(readdirSync(dir)).toEqual(['pipe.db']);
  });

  it('a character device is refused, and no journal appears beside it', async () => {
    const result = await rcache(['--db', '/dev/null', 'save', '--model', 'M'], { input: ndjson([{ id: 'a' }]) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/it is not a regular file/);
    expect(existsSync('/dev/null-journal')).toBe(false);
    expect(existsSync('/dev/null-wal')).toBe(false);
  });

  it('a dangling symbolic link is named as one, not as a read-only file', async () => {
    const dir = scratchDir();
    const link = join(dir, 'cache.db');
    symlinkSync(join(dir, 'gone', 'real.db'), link);
    for (const args of [
      ['save', '--model', 'M'],
      ['records', '--model', 'M'],
    ]) {
      const result = await rcache(['--db', link, ...args], { input: ndjson([{ id: 'a' }]) });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^rcache: cannot open database .*cache\.db: it is a symbolic link to .*real\.db, which does not exist\n$/);
    }
  });
});

describe.concurrent.each(STORES)('a new database, on %s', (store) => {
  it("processes creating the same new database at once all succeed: none calls it another program's", async () => {
    for (let round = 0; round < 4; round++) {
      const db = await freshStore(store, scratchDir());
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => rcache(['--db', db, 'save', '--model', `M${i}`], { input: ndjson([{ id: 'a' }]) })),
      );
      for (const result of results)
        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/another program/) });
    }
  }, 60_000);
});

describe.concurrent.each(STORES)('prune gives the space it frees back, on %s', (store) => {
  // Random text, which no store can compress: the space it takes is the space given back.
  const records = Array.from({ length: 1000 }, (_, i) => ({ id: `r${i}`, text: randomBytes(1500).toString('base64') }));
  const size = (db: string) => fixtureFor(db).size(db);

  it('with --vacuum the database shrinks after payloads are dropped, and the summary says how much', async () => {
    const db = await freshStore(store, scratchDir());
    await seed(db, records, { model: 'M', at: OLD.RCACHE_NOW });
    const before = size(db);
    const result = await rcache(['--db', db, 'prune', '--dataset-ttl', '9999d', '--vacuum'], { env: LATER });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/1,000 payloads pruned.*; [0-9.]+ MiB of disk space reclaimed/);
    expect(size(db)).toBeLessThan(before / 2);
  }, 120_000);

  it('prune --until-cursor --vacuum gives the space back too, and says how much', async () => {
    const db = await freshStore(store, scratchDir());
    await seed(db, records, { model: 'M' });
    const last = (await cursorsOf(db, 'M')).at(-1)!;
    const before = size(db);
    const result = await rcache(['--db', db, 'prune', '--model', 'M', '--until-cursor', last, '--vacuum']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/1,000 payloads pruned.*; [0-9.]+ MiB of disk space reclaimed/);
    expect(size(db)).toBeLessThan(before / 2);
  }, 120_000);
});

// SQLite only, as the two below: a file system mounted read-only under the database file.
describe.concurrent('read-only file systems, on sqlite', () => {
  const canMount = (() => {
    if (process.getuid?.() !== 0) return false;
    const probe = join(tmpdir(), `rcache-ro-probe-${process.pid}`);
    try {
      mkdirSync(probe, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', probe], { stdio: 'ignore' });
      execFileSync('umount', [probe], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  })();
  it.skipIf(!canMount)('prune --dry-run works on a read-only file system, and a real prune says read-only', async () => {
    const mountPoint = mountAt('rcache-ro', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs']);
    const db = join(mountPoint, 'cache.db');
    await seed(db, [{ id: 'a' }], { model: 'M', at: OLD.RCACHE_NOW });
    // A clean close merges the write-ahead log, so the file alone holds the data.
    expect(existsSync(`${db}-wal`)).toBe(false);
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    const dry = await rcache(['--db', db, 'prune', '--dry-run', '--json'], { env: LATER });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual({ pruned: 0, datasets_expired: 1, records_deleted: 1 });
    const real = await rcache(['--db', db, 'prune'], { env: LATER });
    expect(real.code).toBe(1);
    expect(real.stderr).toMatch(/read-only/);
  });
});

describe.concurrent('a database of the earlier schema on a read-only file system, on sqlite', () => {
  const canMount = process.getuid?.() === 0;
  it.skipIf(!canMount)('is refused with a message that says why and what to do', async () => {
    const mountPoint = mountAt('rcache-ro-old', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs']);
    const db = join(mountPoint, 'old.db');
    const old = new Database(db);
    old.exec(initial);
    old.pragma(`application_id = ${APPLICATION_ID}`);
    old.pragma('user_version = 1');
    old.close();
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    const result = await rcache(['--db', db, 'records', '--model', 'M']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^rcache: ${db} was written by an earlier rcache and must be upgraded once before it can be read, which needs write access \\(.*\\): run one command that writes to it .* where the file can be written\n$`,
      ),
    );
  });
});

describe.concurrent('a reader where it cannot write, on sqlite', () => {
  const canMount = process.getuid?.() === 0;
  it.skipIf(!canMount)('a follower through a read-only view of the directory sees each new commit', async () => {
    const dir = scratchDir();
    const db = join(dir, 'cache.db');
    await seed(db, [{ id: 'a' }], { model: 'M' });
    const view = mountAt('rcache-ro-view', ['--bind', dir]);
    execFileSync('mount', ['-o', 'remount,bind,ro', view]);
    const follower = follow(join(view, 'cache.db'), 'M');
    try {
      await until(() => follower.out().toString().includes('"id":"a"'), 20_000, 'the first record');
      for (const id of ['b', 'c']) {
        await seed(db, [{ id }], { model: 'M' });
        await until(() => follower.out().toString().includes(`"id":"${id}"`), 20_000, `record ${id}`);
      }
      expect(follower.err()).toBe('');
      expect(lines(follower.out().toString()).map((record) => record.id)).toEqual(['a', 'b', 'c']);
    } finally {
      follower.child.kill('SIGKILL');
    }
  });
});

describe.concurrent.each(STORES)('commands that only remove or update create nothing, on %s', (store) => {
  it('on a missing database they exit 1 naming it, and no file appears', async () => {
    const typo = await freshStore(store, scratchDir());
    for (const args of [
      ['reset', '-m', 'A'],
      ['delete', '-m', 'A', '1'],
      ['prune'],
      ['prune', '-m', 'A', '--until-cursor', encodeCursor('AbCdEf-_0123', 1)],
      ['update', '-m', 'A'],
    ]) {
      const result = await rcache(['--db', typo, ...args], { input: ndjson([{ id: 1 }]) });
      expect(result, args.join(' ')).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `rcache: no rcache database at ${displayLocation(typo)} (save some records first, or pass --db)\n`,
      });
      expect(fixtureFor(typo).holdsCache(typo), args.join(' ')).toBe(false);
      // Nor does a journal or write-ahead log appear beside the file.
      if (store === 'sqlite') expect(readdirSync(dirname(typo)), args.join(' ')).toEqual([]);
    }
  });

  it('update of an unknown dataset counts its records unknown and creates no dataset', async () => {
    const db = await freshStore(store, scratchDir());
    await seed(db, [{ id: 1 }], { model: 'A' });
    const result = await rcache(['--db', db, 'update', '-m', 'Nope6', '--json'], { input: ndjson([{ id: 1 }, { id: 2 }, { id: 1 }]) });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ updated: 0, unknown: 2, duplicates: 1 });
    expect(rows(db).datasets.map((row) => row.model)).toEqual(['A']);
    expect(rows(db).runs).toHaveLength(1);
  });
});
