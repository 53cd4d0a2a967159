import { fstatSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './usage-error.js';

/** The file a path names, as (device, inode), or undefined when it does not exist. */
function identity(stat: { dev: bigint; ino: bigint } | undefined): string | undefined {
  return stat === undefined ? undefined : `${stat.dev}:${stat.ino}`;
}

function fileOf(path: string): string | undefined {
  return identity(statSync(path, { bigint: true, throwIfNoEntry: false }));
}

/** Where a path leads once every directory link is followed; the file itself may not exist yet. */
function placeOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}

/**
 * Refuses a rejects file that is the database (or one of its companion files) or an input of the
 * run (`-`: standard input), compared by real path and by inode: writing rejected lines there
 * would destroy the data.
 */
export function checkRejects(rejects: string, db: string, inputs: readonly string[]): void {
  const target = { file: fileOf(rejects), place: placeOf(rejects) };
  const same = (path: string) => placeOf(path) === target.place || (target.file !== undefined && fileOf(path) === target.file);
  // SQLite keeps its companion files beside the real file when the database is reached by a link.
  const databases = [...new Set([db, placeOf(db)])];
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    if (databases.some((path) => same(path + suffix))) throw new UsageError(`--rejects ${rejects} is the database${suffix ? ` (its ${suffix.slice(1)} file)` : ''}: name another file`);
  }
  for (const input of inputs) {
    const reads = input === '-' ? target.file !== undefined && identity(fstatSync(0, { bigint: true })) === target.file : same(input);
    if (reads) throw new UsageError(`--rejects ${rejects} is an input of this run (${input === '-' ? 'standard input' : input}): name another file`);
  }
}
