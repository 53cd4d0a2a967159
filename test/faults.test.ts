// Reliability under faults, end to end with real processes: kills and interrupts in the middle of a
// run, a full disk, several writers and readers with one of them killed while it holds the write
// lock, and files that are not (or not writable) rcache databases. Every test states the expected
// outcome and checks the database afterwards, read directly with better-sqlite3.
//
// Tests run concurrently (each on its own copy of a seeded database) to keep the file fast on a
// small machine; the timing-sensitive steps wait for observable states (the write lock taken, the
// WAL growing, a writer asleep between its tries for another's lock) rather than for fixed delays.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyDb,
  datasetIdOf,
  expectOneLineError,
  fileState,
  integrity,
  isRoot,
  readPosition,
  snapshot,
  unprivilegedPrefix,
  waitingForLock,
  writeLockHeld,
  writeNdjsonFile,
  type Snapshot,
} from './faults-helpers.js';
import { rcache, run, start, tempDir, until, type Proc } from './harness.js';
import { changesOf, lines, ndjson, seed } from './helpers.js';

const BIG = 100_000;
let bigInput: string;
let template: string;
const TEMPLATE_M = [{ id: 'keep', v: 'untouched' }, ...Array.from({ length: 50 }, (_, i) => ({ id: `m-${i}`, v: 0 }))];

beforeAll(async () => {
  const shared = tempDir();
  bigInput = join(shared, 'big.ndjson');
  template = join(shared, 'template.db');
  const seeded = async () => {
    await seed(
      template,
      [
        { id: 'o1', v: 1 },
        { id: 'o2', nested: { a: [1, 2] } },
      ],
      { model: 'Other' },
    );
    await seed(template, TEMPLATE_M, { model: 'M' });
  };
  await Promise.all([writeNdjsonFile(bigInput, BIG, (i) => ({ id: `big-${i}`, name: `record ${i}`, n: i })), seeded()]);
});

/**
 * A copy of a seeded database (dataset Other: o1, o2; dataset M: keep, m-0..m-49), closed cleanly
 * (no -wal or -shm), and its snapshot.
 */
function freshDb(dir = tempDir()): { db: string; before: Snapshot } {
  return copyDb(template, dir);
}

/**
 * After a run of new records (ids big-*) into `model` was killed: the run is wholly there (`count`
 * records) or wholly absent. Returns which.
 */
function expectWholeOrNothing(before: Snapshot, after: Snapshot, model: string, count = BIG): 'absent' | 'present' {
  const isNew = (row: Record<string, unknown>) => String(row.id).startsWith('big-');
  const added = after.records.filter(isNew);
  expect(
    after.records.filter((row) => !isNew(row)),
    'earlier records untouched',
  ).toEqual(before.records);
  expect([0, count], 'records of the killed run: all or none').toContain(added.length);
  if (added.length === 0) {
    expect(after).toEqual(before);
    return 'absent';
  }
  const id = datasetIdOf(after, model)!;
  expect(added.every((row) => row.dataset_id === id && row.action === 'ADDED')).toBe(true);
  expect(after.runs.slice(0, -1)).toEqual(before.runs);
  expect(after.runs.at(-1)).toMatchObject({ kind: 'save', model, added: count });
  const datasetBefore = before.datasets.find((row) => row.id === id);
  expect(after.datasets.find((row) => row.id === id)).toMatchObject({ live: ((datasetBefore?.live as number | undefined) ?? 0) + count });
  expect(after.positions).toEqual([{ id: 1, last_value: (before.positions[0]!.last_value as number) + count }]);
  return 'present';
}

/** The database is usable afterwards: rcache's library reads it and the write lock is free for a new run. */
async function expectUsable(db: string): Promise<void> {
  expect((await changesOf(db, 'Other')).map((r) => r.id)).toEqual(['o1', 'o2']);
  await seed(db, [{ id: 'x' }], { model: 'After' });
  expect((await changesOf(db, 'After')).map((r) => r.id)).toEqual(['x']);
}

// One concurrent suite: its groups overlap, so the file takes about as long as its slowest tests.
describe.concurrent('rcache under faults', () => {
  describe.concurrent('kill -9 in the middle of a large save: the run is wholly there or wholly absent', () => {
    it(`SIGKILL while it reads its input (${BIG} records, holding the write lock): nothing of the run, integrity ok`, async () => {
      const { db, before } = freshDb();
      const save = start(['--db', db, 'save', '--model', 'M', bigInput]);
      await until(() => writeLockHeld(db) || !save.running(), 20_000, 'the save to take the write lock');
      // Well into its input: 40% read, or all of it (where /proc cannot tell, half a second on).
      const size = statSync(bigInput).size;
      const since = Date.now();
      let seen = -1;
      await until(
        () => {
          if (!save.running()) return true;
          const position = readPosition(save.child.pid!, bigInput);
          if (position === undefined) return Date.now() - since > 500;
          if (position === -1 && seen >= 0) return true;
          seen = Math.max(seen, position);
          return seen > size * 0.4;
        },
        30_000,
        'the save to read 40% of its input',
      );
      expect(save.running(), 'still mid-run when killed').toBe(true);
      save.child.kill('SIGKILL');
      expect((await save.exit).signal).toBe('SIGKILL');
      const after = snapshot(db);
      expect(expectWholeOrNothing(before, after, 'M')).toBe('absent');
      expect(integrity(db)).toBe('ok');
      await expectUsable(db);
      expect(integrity(db)).toBe('ok');
    });

    it(`SIGKILL while it commits (its -wal file growing): the run is all there or not at all, integrity ok`, async () => {
      const { db, before } = freshDb();
      const save = start(['--db', db, 'save', '--model', 'M', bigInput]);
      // The run keeps its pages in memory until it commits, then writes them to the WAL: kill it there.
      let walAtKill = -1;
      await until(
        () => {
          const size = statSync(`${db}-wal`, { throwIfNoEntry: false })?.size ?? 0;
          if (size > 2 << 20) walAtKill = size;
          return walAtKill > 0 || !save.running();
        },
        40_000,
        'the commit to start writing the WAL',
      );
      save.child.kill('SIGKILL');
      const result = await save.exit;
      const after = snapshot(db);
      const outcome = expectWholeOrNothing(before, after, 'M');
      if (result.code === 0) expect(outcome).toBe('present');
      expect(integrity(db)).toBe('ok');
      await expectUsable(db);
    });
  });

  describe.concurrent('SIGINT and SIGTERM during a run: exit 130, one line, the run rolled back', () => {
    const cases = [
      { command: 'save', signal: 'SIGINT' },
      { command: 'save', signal: 'SIGTERM' },
      { command: 'update', signal: 'SIGINT' },
      { command: 'delete', signal: 'SIGTERM' },
    ] as const;

    it.each(cases)('$command interrupted by $signal while its input is still arriving', async ({ command, signal }) => {
      const { db, before } = freshDb();
      const proc = start(['--db', db, command, '--model', 'M']);
      // Changes to existing records and new ones, in several pieces, so a partial commit would show.
      const piece = (n: number) => ndjson(Array.from({ length: 2000 }, (_, i) => ({ id: n === 0 ? `m-${i}` : `new-${n}-${i}`, v: n + 1 })));
      // Each write is done once the pipe has taken it, which it can only once rcache has read most of
      // the piece before: by the last, it has read several pieces, and still waits for more.
      const write = (text: string) => new Promise<void>((resolve) => proc.child.stdin!.write(text, () => resolve()));
      await write(piece(0));
      await until(() => writeLockHeld(db) || !proc.running(), 20_000, `${command} to begin its transaction`);
      for (let n = 1; n <= 3; n++) await write(piece(n));
      expect(proc.running(), 'still waiting for more input').toBe(true);
      proc.child.kill(signal);
      const result = await proc.exit;
      expect(result.code).toBe(130);
      expectOneLineError(result.stderr, new RegExp(`interrupted.*${signal}|${signal}.*interrupted`));
      expect(result.stderr).toMatch(/nothing .*saved/);
      expect(snapshot(db), 'nothing of the run, not even a run row').toEqual(before);
      expect(integrity(db)).toBe('ok');
      expect(writeLockHeld(db)).toBe(false);
    });

    it('SIGINT before the first line arrived: exit 130, nothing recorded', async () => {
      const { db, before } = freshDb();
      const proc = start(['--db', db, 'save', '--model', 'M']);
      // It has opened the database (and is waiting for input) once the -wal file exists.
      await until(() => existsSync(`${db}-wal`) || !proc.running(), 20_000, 'rcache to open the database');
      proc.child.kill('SIGINT');
      const result = await proc.exit;
      expect(result.code).toBe(130);
      expectOneLineError(result.stderr, /interrupted/);
      expect(snapshot(db)).toEqual(before);
    });

    it("SIGINT while waiting for another writer's lock: ends promptly with exit 130, not at the end of --busy-timeout", async () => {
      const { db, before } = freshDb();
      const holder = start(['--db', db, 'save', '--model', 'Holder']);
      holder.child.stdin!.write(ndjson([{ id: 'h1' }]));
      await until(() => writeLockHeld(db), 20_000, 'the first writer to take the lock');
      const waiter = start(['--db', db, 'save', '--model', 'M', '--busy-timeout', '15000']);
      waiter.child.stdin!.end(ndjson([{ id: 'waiting' }]));
      // Its signal handlers are set up before it opens the database.
      await until(() => !waiter.running() || waitingForLock(waiter.child.pid!, db) !== false, 20_000, 'the second writer to wait for the lock');
      expect(waiter.running()).toBe(true);
      const sentAt = Date.now();
      waiter.child.kill('SIGINT');
      const result = await waiter.exit;
      const took = Date.now() - sentAt;
      holder.child.stdin!.end();
      const held = await holder.exit;
      expect(held.code, held.stderr).toBe(0);
      // Well before the busy timeout (15 s) would have ended the wait, however busy the machine.
      expect({ code: result.code, stderr: result.stderr, promptly: took < 7_500 }).toEqual({
        code: 130,
        stderr: expect.stringMatching(/^rcache: [^\n]*interrupted[^\n]*\n$/),
        promptly: true,
      });
      const after = snapshot(db);
      expect(after.records.filter((row) => row.id === 'waiting')).toEqual([]);
      expect(after.runs.length).toBe(before.runs.length + 1); // the holder's run only
    });
  });

  // ---------------------------------------------------------------------------------------------

  function tmpfsWorks(): boolean {
    if (!isRoot) return false;
    const dir = mkdtempSync(join(tmpdir(), 'rcache-tmpfs-probe-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
      execFileSync('umount', [dir], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const canMount = tmpfsWorks();
  const mounts: string[] = [];
  afterAll(() => {
    for (const mountPoint of mounts.splice(0)) {
      try {
        execFileSync('umount', [mountPoint], { stdio: 'ignore' });
      } catch {
        execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
      }
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });

  /** A fresh tmpfs of `size` (as mount's size= option), unmounted after the suite. */
  function smallDisk(size: string): string {
    const mountPoint = mkdtempSync(join(tmpdir(), 'rcache-full-'));
    mounts.push(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mountPoint]);
    return mountPoint;
  }

  describe.skipIf(!canMount)(
    `a full disk during a save${canMount ? ' (a 3 MiB tmpfs)' : ' — SKIPPED: needs root and a working `mount -t tmpfs` to make a small disk'}`,
    () => {
      it('fails with exit 1 and a line saying the disk is full; earlier data intact, readable and writable again', async () => {
        const db = join(smallDisk('3m'), 'cache.db');
        copyFileSync(template, db);
        const earlier = Array.from({ length: 2000 }, (_, i) => ({ id: `e-${i}`, v: 'x'.repeat(100) }));
        await seed(db, earlier, { model: 'M' });
        const before = snapshot(db);
        const input = join(tempDir(), 'too-much.ndjson');
        await writeNdjsonFile(input, 40_000, (i) => ({ id: `n-${i}`, v: 'y'.repeat(100) }));

        const result = await rcache(['--db', db, 'save', '--model', 'M', input]);
        expect(result.code).toBe(1);
        expectOneLineError(result.stderr, /disk is full/);
        const after = snapshot(db);
        expect(after).toEqual(before);
        expect(integrity(db)).toBe('ok');

        expect((await changesOf(db, 'M')).map((r) => r.id)).toEqual([...TEMPLATE_M, ...earlier].map((r) => r.id));
        expect(after.datasets.find((row) => row.model === 'M')).toMatchObject({ live: TEMPLATE_M.length + 2000 });
        // The failed run gave its space back: a small run fits again.
        await seed(db, [{ id: 'small' }], { model: 'M' });
        expect(snapshot(db).records.filter((row) => row.id === 'small')).toHaveLength(1);
      });
    },
  );

  describe.skipIf(!canMount)(
    `prune --vacuum with too little disk left to rewrite the file${canMount ? ' (a 4 MiB tmpfs)' : ' — SKIPPED: needs root and a working `mount -t tmpfs` to make a small disk'}`,
    () => {
      it('reports the prune it committed, says the space could not be given back and why, exit 1; the database intact', async () => {
        // Old's payloads are few and prune in little space; Keep's records fill most of the disk, so
        // the rewritten file does not fit beside the old one.
        const built = join(tempDir(), 'built.db');
        const make = (model: string, count: number, at: string) =>
          seed(
            built,
            Array.from({ length: count }, (_, i) => ({ id: `${model}-${i}`, v: 'x'.repeat(600) })),
            { model, at },
          );
        await make('Old', 200, '2026-01-01T00:00:00Z');
        await make('Keep', 3000, '2026-03-01T00:00:00Z');
        const db = join(smallDisk('4m'), 'cache.db');
        copyFileSync(built, db);
        const size = statSync(db).size;
        const args = ['--db', db, 'prune', '--payload-ttl', '30d', '--dataset-ttl', '365d', '--vacuum'];
        const env = { RCACHE_NOW: '2026-03-02T00:00:00Z' };

        const result = await rcache(args, { env });
        expect(result.code).toBe(1);
        expect(result.stderr).toBe(
          'prune: 200 payloads pruned, 0 datasets expired (0 records deleted); no disk space reclaimed\n' +
            'rcache: the prune was saved, but the space it freed could not be given back to the file system: the disk is full (database or disk is full)\n',
        );
        expect(result.stderr).not.toMatch(/nothing from this run was saved/);
        const after = snapshot(db);
        expect(after.records.filter((row) => String(row.id).startsWith('Old-') && row.payload === null).length).toBe(200);
        expect(after.runs.at(-1)).toMatchObject({ kind: 'prune', model: 'Old', pruned: 200 });
        expect(integrity(db)).toBe('ok');
        expect(statSync(db).size).toBe(size);

        // The same with --json: the counts on stdout, the failure on stderr.
        copyFileSync(built, db);
        const json = await rcache([...args, '--json'], { env });
        expect(json.code).toBe(1);
        expect(JSON.parse(json.stdout)).toEqual({ pruned: 200, datasets_expired: 0, records_deleted: 0 });
        expect(json.stderr).toMatch(/^rcache: the prune was saved, but the space it freed could not be given back to the file system: the disk is full/);
      });
    },
  );

  // ---------------------------------------------------------------------------------------------

  describe('several writers and readers at once, one writer killed while it holds the write lock', () => {
    it('the waiting writers carry on and succeed, readers never wait, and every surviving write is there', async () => {
      const { db, before } = freshDb();
      // The writer to be killed: mid-save of a large input that has not ended, so it holds the lock.
      const killed = start(['--db', db, 'save', '--model', 'Big']);
      const killedInput = Array.from({ length: 20_000 }, (_, i) => ({ id: `big-${i}`, name: `record ${i}` }));
      killed.child.stdin!.write(ndjson(killedInput));
      await until(() => writeLockHeld(db) || !killed.running(), 20_000, 'the big save to take the write lock');

      const writers = [0, 1, 2].map((w) => {
        const batch = Array.from({ length: 500 }, (_, i) => ({ id: `w${w}-${i}`, writer: w }));
        const writer = start(['--db', db, 'save', '--model', 'W', '--busy-timeout', '30000', '--json']);
        writer.child.stdin!.end(ndjson(batch));
        return writer;
      });
      // Readers are not held up by the writer holding the lock.
      const startedReading = Date.now();
      const [records, stats] = await Promise.all([rcache(['--db', db, 'records', '--model', 'M']), rcache(['--db', db, 'stats', '--json'])]);
      expect(records.code, records.stderr).toBe(0);
      expect(lines(records.stdout).map((r) => r.id)).toEqual(TEMPLATE_M.map((r) => r.id));
      expect(stats.code, stats.stderr).toBe(0);
      expect(Date.now() - startedReading).toBeLessThan(10_000);

      const waiting = (writer: Proc) => !writer.running() || waitingForLock(writer.child.pid!, db) !== false;
      await until(() => writers.every(waiting), 20_000, 'the other writers to wait for the lock');
      expect(killed.running(), 'the big save still holds the lock').toBe(true);
      expect(
        writers.map((writer) => writer.running()),
        'the other writers are waiting for it',
      ).toEqual([true, true, true]);
      killed.child.kill('SIGKILL');
      expect((await killed.exit).signal).toBe('SIGKILL');

      const results = await Promise.all(writers.map((writer) => writer.exit));
      for (const result of results) {
        expect(result.code, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout.toString())).toMatchObject({ added: 500 });
      }
      const after = snapshot(db);
      expect(integrity(db)).toBe('ok');
      const bigId = datasetIdOf(after, 'Big');
      expect(
        after.records.filter((row) => bigId !== undefined && row.dataset_id === bigId),
        'nothing of the killed run',
      ).toEqual([]);
      expect(after.runs.filter((row) => row.model === 'Big')).toEqual([]);
      const wId = datasetIdOf(after, 'W')!;
      expect(new Set(after.records.filter((row) => row.dataset_id === wId).map((row) => row.id)).size).toBe(1500);
      expect(after.records.filter((row) => row.dataset_id !== wId)).toEqual(before.records);
      expect(after.runs.filter((row) => row.model === 'W').length).toBe(3);
      expect(after.runs.length).toBe(before.runs.length + 3);
    });
  });

  // ---------------------------------------------------------------------------------------------

  function otherProgramsDb(path: string, wal: boolean): void {
    const handle = new Database(path);
    if (wal) handle.pragma('journal_mode = WAL');
    handle.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello')");
    handle.close();
  }

  const NOT_RCACHE: { name: string; make: (path: string) => void; error: RegExp; alsoRead?: boolean }[] = [
    {
      name: 'random bytes',
      make: (path) => writeFileSync(path, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 251))),
      error: /not an rcache database/,
    },
    { name: "another program's SQLite database", make: (path) => otherProgramsDb(path, false), error: /not an rcache database/ },
    { name: "another program's SQLite database in WAL mode", make: (path) => otherProgramsDb(path, true), error: /not an rcache database/, alsoRead: true },
    {
      name: 'a damaged SQLite file (valid header, garbage after it)',
      make: (path) => {
        otherProgramsDb(path, false);
        const bytes = Buffer.alloc(statSync(path).size, 0xa5);
        Buffer.from('SQLite format 3\0').copy(bytes);
        bytes.writeUInt16BE(4096, 16);
        writeFileSync(path, bytes);
      },
      error: /not an rcache database|cannot (read|open|use) database|malformed|corrupt/,
    },
    { name: 'a directory', make: (path) => mkdirSync(path), error: /directory/ },
    {
      name: 'a database from a newer rcache (user_version 99)',
      make: (path) => {
        copyFileSync(template, path);
        const handle = new Database(path);
        handle.pragma('user_version = 99');
        handle.close();
      },
      error: /newer rcache/,
      alsoRead: true,
    },
  ];

  describe.concurrent('files that are not rcache databases are refused with exit 1 and never modified', () => {
    it.each(NOT_RCACHE)('$name', async ({ make, error, alsoRead }) => {
      const dir = tempDir();
      const path = join(dir, 'data.db');
      make(path);
      const state = fileState(path);
      const listing = readdirSync(dir).sort();
      // The same check guards every command; a reading one is tried too where a probe could leave files.
      const commands = alsoRead
        ? [
            ['save', '--model', 'M'],
            ['records', '--model', 'M'],
          ]
        : [['save', '--model', 'M']];
      const results = await Promise.all(commands.map((args) => rcache(['--db', path, ...args], { input: ndjson([{ id: 'a' }]) })));
      results.forEach((result, i) => {
        expect(result.code, `${commands[i]![0]}: ${result.stderr}`).toBe(1);
        expectOneLineError(result.stderr, error);
      });
      expect(fileState(path), 'the file is as it was (bytes, mtime) and no -wal/-shm was created').toEqual(state);
      expect(readdirSync(dir).sort(), 'nothing was created beside it').toEqual(listing);
    });

    it('an empty (0-byte) file is an empty database: it is initialised and the save succeeds', async () => {
      const path = join(tempDir(), 'empty.db');
      writeFileSync(path, '');
      const result = await rcache(['--db', path, 'save', '--model', 'M'], { input: ndjson([{ id: 'a', v: 1 }]) });
      expect(result.code, result.stderr).toBe(0);
      expect((await changesOf(path, 'M')).map((r) => [r.id, r.v])).toEqual([['a', 1]]);
      const after = snapshot(path);
      expect(after.records.length).toBe(1);
      expect(after.runs).toMatchObject([{ kind: 'save', added: 1 }]);
      expect(integrity(path)).toBe('ok');
    });
  });

  // ---------------------------------------------------------------------------------------------

  const asOther = unprivilegedPrefix();
  const nobody = 65534;

  describe.skipIf(asOther === undefined)(
    `a read-only database file or folder: reading commands work, writing ones fail with exit 1${
      asOther === undefined
        ? ' — SKIPPED: running as root, and setpriv is missing or uid 65534 cannot run this checkout (a folder above it is closed to others)'
        : isRoot
          ? ' (run as uid 65534 through setpriv)'
          : ''
    }`,
    { concurrent: true },
    () => {
      /** A database in its own folder, owned (when running as root) by the user that runs rcache. */
      function prepare() {
        const folder = join(tempDir(), 'data');
        mkdirSync(folder);
        const { db, before } = freshDb(folder);
        if (isRoot) {
          chownSync(folder, nobody, nobody);
          chownSync(db, nobody, nobody);
        }
        return { folder, db, before };
      }

      async function expectReadsWorkAndWritesFail(db: string, before: Snapshot) {
        const [records, stats] = await Promise.all([
          run(['--db', db, 'records', '--model', 'M'], '', { prefix: asOther }),
          run(['--db', db, 'stats', '--json'], '', { prefix: asOther }),
        ]);
        expect(records.code, records.stderr).toBe(0);
        expect(lines(records.stdout.toString()).map((r) => r.id)).toEqual(TEMPLATE_M.map((r) => r.id));
        expect(stats.code, stats.stderr).toBe(0);
        expect(JSON.parse(stats.stdout.toString()).datasets.find((d: { model: string }) => d.model === 'M')).toMatchObject({ live: TEMPLATE_M.length });
        const commands = [
          ['save', '--model', 'M'],
          ['delete', '--model', 'M', 'm-1'],
        ];
        const results = await Promise.all(
          commands.map((args) => run(['--db', db, ...args], ndjson([{ id: 'm-1', v: 9 }, { id: 'new' }]), { prefix: asOther })),
        );
        results.forEach((result, i) => {
          expect(result.code, `${commands[i]![0]}: ${result.stderr}`).toBe(1);
          expectOneLineError(result.stderr, /read-?only/i);
        });
        expect(snapshot(db)).toEqual(before);
      }

      it('a read-only file (chmod 0444)', async () => {
        const { db, before } = prepare();
        chmodSync(db, 0o444);
        await expectReadsWorkAndWritesFail(db, before);
      });

      it('a read-only folder (chmod 0555 on the folder holding the database)', async () => {
        const { folder, db, before } = prepare();
        chmodSync(folder, 0o555);
        try {
          await expectReadsWorkAndWritesFail(db, before);
        } finally {
          chmodSync(folder, 0o755);
        }
      });
    },
  );
});
