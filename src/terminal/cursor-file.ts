import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeCursor } from '../decisions/cursor.js';
import { InvalidArgumentError, RcacheError } from '../errors.js';

/** A cursor is at most 48 characters: a file larger than this holds something else. */
const MAX_BYTES = 1024;
const { O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_WRONLY } = constants;

/**
 * A consumer's position kept in a file: read at start, replaced as output is written by a new file
 * renamed over it, so that a reader never sees it half-written and a crash or power loss leaves
 * either the old cursor or the new one, never an empty file.
 */
export class CursorFile {
  private saved: string | undefined;

  constructor(readonly path: string) {}

  /** The stored cursor; empty (the beginning) when the file does not exist or is empty. */
  read(): string {
    let bytes: Buffer;
    try {
      bytes = readSmallFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw new RcacheError(`cannot read cursor file ${this.path}: ${(error as Error).message}`);
    }
    const cursor = bytes.toString('utf8').trim();
    // Nothing of another file is quoted: the path may name a file that is not the user's to show.
    if (bytes.length > MAX_BYTES || !isCursor(cursor)) {
      throw new InvalidArgumentError(
        `${this.path} is not a cursor file: it holds something other than a cursor rcache wrote; give a file of its own (a missing file starts from the beginning)`,
        '--cursor-file',
      );
    }
    this.saved = cursor;
    return cursor;
  }

  /** Replaces the file with `cursor`, durably (two fsyncs: the new file, then its directory). */
  write(cursor: string): void {
    if (cursor === this.saved) return;
    const directory = dirname(this.path);
    // Unpredictable and created exclusively, never through a link: nothing planted there is written to.
    const temporary = join(directory, `.${basename(this.path)}.${randomBytes(8).toString('hex')}.tmp`);
    let created = false;
    try {
      const fd = openSync(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666);
      created = true;
      try {
        writeSync(fd, cursor + '\n');
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.path);
      created = false;
      syncDirectory(directory);
      this.saved = cursor;
    } catch (error) {
      if (created) rmSync(temporary, { force: true });
      throw new RcacheError(`cannot write cursor file ${this.path}: ${(error as Error).message}`);
    }
  }
}

function isCursor(text: string): boolean {
  try {
    decodeCursor(text);
    return true;
  } catch (error) {
    if (error instanceof InvalidArgumentError) return false;
    throw error;
  }
}

/** The first MAX_BYTES + 1 bytes of a regular file; a FIFO or a device is refused, never waited on or read without end. */
function readSmallFile(path: string): Buffer {
  const fd = openSync(path, O_RDONLY | O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new Error('it is a directory');
    if (!stat.isFile()) throw new Error('it is not a regular file');
    const buffer = Buffer.alloc(MAX_BYTES + 1);
    let length = 0;
    let read = -1;
    while (read !== 0 && length < buffer.length) {
      read = readSync(fd, buffer, length, buffer.length - length, null);
      length += read;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename in `directory` durable; where directories cannot be synced (Windows, some file systems), the rename stands as it is. */
function syncDirectory(directory: string): void {
  let fd: number;
  try {
    fd = openSync(directory, O_RDONLY | O_DIRECTORY);
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!['EINVAL', 'ENOTSUP', 'EPERM', 'EISDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    closeSync(fd);
  }
}
