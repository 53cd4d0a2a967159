import { fstatSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

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
 * Refuses a rejects file that is one of the database's files (the main file first) or an input of
 * the run (`-`: standard input, when it is this process's), compared by real path and by inode:
 * writing rejected lines there would destroy the data.
 */
export function checkRejects(rejects: string, databaseFiles: readonly string[], inputs: readonly string[]): void {
  const target = { file: fileOf(rejects), place: placeOf(rejects) };
  const same = (path: string) => placeOf(path) === target.place || (target.file !== undefined && fileOf(path) === target.file);
  const [main] = databaseFiles;
  for (const file of databaseFiles) {
    if (!same(file)) continue;
    const part = file === main ? '' : main !== undefined && file.startsWith(main) ? file.slice(main.length).replace(/^[-.]/, '') : basename(file);
    throw new InvalidArgumentError(`${rejects} is the database${part ? ` (its ${part} file)` : ''}: name another file`, 'rejects', ' ');
  }
  for (const input of inputs) {
    const reads = input === '-' ? target.file !== undefined && identity(fstatSync(0, { bigint: true })) === target.file : same(input);
    if (reads)
      throw new InvalidArgumentError(`${rejects} is an input of this run (${input === '-' ? 'standard input' : input}): name another file`, 'rejects', ' ');
  }
}
