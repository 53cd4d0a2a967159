// Helpers for the reliability suites (faults.test.ts, hostile-input.test.ts): database snapshots
// read directly with better-sqlite3, what /proc tells of a process, and checks of the "one clear
// line on stderr, no stack trace" rule. Processes, folders and waiting are the harness's.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BIN, descriptorsOf, rcache, tempDir } from './harness.js';
import { ndjson } from './helpers.js';

export { run, start, until, type Proc, type RawResult, type StartOptions } from './harness.js';

/** A pause, only ever as the bound of a wait (`Promise.race`), never to wait for something to happen. */

/** A fresh folder for one test: the harness's tempDir, which concurrent tests may share a file with. */
export const scratchDir = tempDir;

/** Writes `chunk` `times` times to a writable, honouring backpressure; stops quietly once it closes or fails. */
export async function pump(stream: NodeJS.WritableStream & { destroyed?: boolean }, chunk: Buffer, times: number): Promise<void> {
  let failed = false;
  const onError = () => (failed = true);
  stream.on('error', onError);
  try {
    for (let i = 0; i < times && !failed && !stream.destroyed; i++) {
      if (stream.write(chunk)) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off('drain', done);
          stream.off('close', done);
          stream.off('error', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('close', done);
        stream.on('error', done);
      });
    }
  } finally {
    stream.off('error', onError);
  }
}

/** Writes `count` NDJSON lines made by `make` to `path` through a stream. */
export async function writeNdjsonFile(path: string, count: number, make: (i: number) => unknown): Promise<void> {
  const stream = createWriteStream(path);
  let text = '';
  for (let i = 0; i < count; i++) {
    text += JSON.stringify(make(i)) + '\n';
    if (text.length > 1 << 20) {
      if (!stream.write(text)) await once(stream, 'drain');
      text = '';
    }
  }
  stream.end(text);
  await once(stream, 'finish');
}

// ---------------------------------------------------------------------------------------------
// Errors on stderr

/** One line on stderr starting with `rcache:`, matching `pattern`, with no stack trace. */
export function expectOneLineError(stderr: string, pattern: RegExp): void {
  expect(stderr, 'no stack trace').not.toMatch(/\n\s+at /);
  expect(stderr, 'one line starting with rcache:').toMatch(/^rcache: [^\n]+\n$/);
  expect(stderr).toMatch(pattern);
}

/** No stack trace and no "unexpected error"/"bug" report. */
export function expectNoCrash(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toMatch(/unexpected error|this is a bug/);
}

// ---------------------------------------------------------------------------------------------
// The database, read directly

export interface Snapshot {
  records: Record<string, unknown>[];
  datasets: Record<string, unknown>[];
  runs: Record<string, unknown>[];
  positions: Record<string, unknown>[];
}

/**
 * Everything a run can change. Opened read-write and closed, so that (as the last connection) it
 * leaves no -wal/-shm behind; after a crash this also performs SQLite's usual recovery.
 */
export function snapshot(db: string): Snapshot {
  const handle = new Database(db, { fileMustExist: true });
  try {
    return {
      records: handle.prepare('SELECT * FROM records ORDER BY dataset_id, id').all() as Record<string, unknown>[],
      datasets: handle.prepare('SELECT * FROM datasets ORDER BY id').all() as Record<string, unknown>[],
      runs: handle.prepare('SELECT * FROM runs ORDER BY number').all() as Record<string, unknown>[],
      positions: handle.prepare('SELECT * FROM positions').all() as Record<string, unknown>[],
    };
  } finally {
    handle.close();
  }
}

/** `PRAGMA integrity_check`, joined: 'ok' for a sound file. */
export function integrity(db: string): string {
  const handle = new Database(db, { fileMustExist: true });
  try {
    return (handle.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check).join('\n');
  } finally {
    handle.close();
  }
}

/** The id of the dataset row of `model` (default integration and connection), if any. */
export function datasetIdOf(snap: Snapshot, model: string): number | undefined {
  return snap.datasets.find((row) => row.model === model && row.integration === 'default' && row.connection === 'default')?.id as number | undefined;
}

/**
 * Checks that `after` differs from `before` only by what one run did to `ids` of `model`: every
 * other record row is identical, no other dataset row changed, and exactly `runs` runs were added.
 */
export function expectOnlyChanged(before: Snapshot, after: Snapshot, model: string, ids: Iterable<string>, runs = 1): void {
  const touched = new Set(ids);
  const datasetId = datasetIdOf(after, model);
  const key = (row: Record<string, unknown>) => `${row.dataset_id}\u0001${row.id}`;
  const isTouched = (row: Record<string, unknown>) => row.dataset_id === datasetId && touched.has(row.id as string);
  const afterByKey = new Map(after.records.map((row) => [key(row), row]));
  for (const row of before.records) if (!isTouched(row)) expect(afterByKey.get(key(row)), `record ${String(row.id)} unchanged`).toEqual(row);
  const beforeKeys = new Set(before.records.map(key));
  for (const row of after.records) if (!beforeKeys.has(key(row))) expect(isTouched(row), `new record ${String(row.id)} belongs to the run`).toBe(true);
  expect(after.datasets.filter((row) => row.id !== datasetId)).toEqual(before.datasets.filter((row) => row.id !== datasetId));
  expect(after.runs.slice(0, before.runs.length)).toEqual(before.runs);
  expect(after.runs.length).toBe(before.runs.length + runs);
}

/** True when some process holds the database's write lock (a writing run has begun its transaction). */
export function writeLockHeld(db: string): boolean {
  if (!existsSync(db)) return false;
  let handle: Database.Database;
  try {
    handle = new Database(db, { timeout: 0, fileMustExist: true });
  } catch {
    return false;
  }
  try {
    handle.exec('BEGIN IMMEDIATE');
    handle.exec('ROLLBACK');
    return false;
  } catch (error) {
    if (String((error as { code?: string }).code).startsWith('SQLITE_BUSY')) return true;
    throw error;
  } finally {
    handle.close();
  }
}

/** A database with a bystander dataset `Other` and one record in `M`, and its snapshot. */
export async function seededDb(db: string, records: unknown[] = [{ id: 'keep', v: 'untouched' }]): Promise<Snapshot> {
  for (const [model, input] of [
    [
      'Other',
      ndjson([
        { id: 'o1', v: 1 },
        { id: 'o2', nested: { a: [1, 2] } },
      ]),
    ],
    ['M', ndjson(records)],
  ] as const) {
    const result = await rcache(['--db', db, 'save', '--model', model], { input });
    if (result.code !== 0) throw new Error(`seeding failed: ${result.stderr}`);
  }
  return snapshot(db);
}

/**
 * A copy of a seeded template database (made once with seededDb), closed cleanly (no -wal or -shm),
 * and its snapshot: much cheaper than seeding each test's database with rcache.
 */
export function copyDb(template: string, dir = scratchDir()): { db: string; before: Snapshot } {
  const db = join(dir, 'cache.db');
  copyFileSync(template, db);
  return { db, before: snapshot(db) };
}

/** The peak resident memory (KiB) that `/usr/bin/time -f %M -o FILE` wrote: its last line. */
export function timeReport(file: string): number {
  const last = readFileSync(file, 'utf8').trim().split('\n').at(-1)!;
  return Number(last);
}

// ---------------------------------------------------------------------------------------------
// Files

export interface FileState {
  bytes: Buffer | undefined;
  mtimeMs: number;
  siblings: boolean[];
}

/** A file's bytes, modification time and whether -wal, -shm or -journal files stand beside it. */
export function fileState(path: string): FileState {
  const stat = statSync(path);
  return {
    bytes: stat.isDirectory() ? undefined : readFileSync(path),
    mtimeMs: stat.mtimeMs,
    siblings: ['-wal', '-shm', '-journal'].map((suffix) => existsSync(path + suffix)),
  };
}

// ---------------------------------------------------------------------------------------------
// Environment

export const isRoot = process.getuid?.() === 0;

function works(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.status === 0;
}

/** A way to run rcache as another, unprivileged user (root ignores file permissions). */
export function unprivilegedPrefix(): string[] | undefined {
  if (!isRoot) return [];
  const prefix = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
  // rcache itself: a checkout in a folder closed to others (mktemp -d makes one) cannot be run as that user.
  return works(prefix[0]!, [...prefix.slice(1), process.execPath, BIN, '--version']) ? prefix : undefined;
}

/** /usr/bin/time, when it can report a process's peak memory. */
export const TIME = existsSync('/usr/bin/time') && works('/usr/bin/time', ['-f', '%M', 'true']) ? '/usr/bin/time' : undefined;

/**
 * Whether the process has the database open and sleeps: as a writer does between its tries for
 * another writer's lock (in its event loop, or in SQLite's busy handler). Undefined when /proc
 * cannot tell.
 */
export function waitingForLock(pid: number, db: string): boolean | undefined {
  const open = hasOpen(pid, db);
  if (open !== true) return open;
  try {
    return /poll|nanosleep/.test(readFileSync(`/proc/${pid}/wchan`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * How far the process has read into `path` (from /proc/PID/fdinfo): -1 when it does not have the
 * file open (not yet, or no more); undefined when /proc cannot tell.
 */
export function readPosition(pid: number, path: string): number | undefined {
  const fds = descriptorsOf(pid, path);
  if (fds === undefined) return undefined;
  for (const fd of fds) {
    try {
      const match = /^pos:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (match) return Number(match[1]);
    } catch {
      // The file was closed meanwhile.
    }
  }
  return -1;
}

/** True when the process has `path` open (from /proc/PID/fd); undefined when /proc cannot tell. */
export function hasOpen(pid: number, path: string): boolean | undefined {
  const fds = descriptorsOf(pid, path);
  return fds === undefined ? undefined : fds.length > 0;
}

/** Peak resident memory of a process, in KiB, from /proc while it runs (a fallback to /usr/bin/time). */
export function vmHwm(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
