import { closeSync, constants, lstatSync, openSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';
import { StoreError } from '../../errors.js';
import { translate } from './errors.js';

/** Refuses locations that would open a private, temporary or URI-configured database instead of a file. */
export function checkLocation(path: string): void {
  if (path.trim() === '') throw new StoreError('bad-location', 'the database path is empty: give a file path');
  if (path === ':memory:' || /^file:/i.test(path)) {
    throw new StoreError('bad-location', `'${path}' is not a file path: rcache keeps its records in a file it can find again`);
  }
}

/** What is at `path`: undefined when nothing; refuses anything that is not a regular file. */
export function statOf(path: string): Stats | undefined {
  let stat: Stats | undefined;
  try {
    stat = statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    throw translate(error, path, 'open');
  }
  if (stat === undefined) {
    const link = lstatSync(path, { throwIfNoEntry: false });
    if (link?.isSymbolicLink()) {
      throw new StoreError('missing', `cannot open database ${path}: it is a symbolic link to ${readlinkSync(path)}, which does not exist`);
    }
    return undefined;
  }
  if (stat.isDirectory()) throw new StoreError('foreign', `cannot open database ${path}: it is a directory`);
  if (!stat.isFile()) throw new StoreError('foreign', `cannot open database ${path}: it is not a regular file`);
  return stat;
}

/** The file's first 100 bytes, where SQLite keeps user_version and application_id. */
export function readHeader(path: string): Buffer {
  const header = Buffer.alloc(100);
  let fd: number | undefined;
  try {
    // Non-blocking: should the file be swapped for a FIFO after it was checked, the open does not hang.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return header.subarray(0, readSync(fd, header, 0, 100, 0));
  } catch (error) {
    throw translate(error, path, 'open');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Whether anything is at `path` to be opened: false only where nothing is yet, or where a writer
 * has created the file but not yet its first page (SQLite creates it empty). Anything else, even
 * what is no database (a FIFO, a device, another file), is there: opening it says what it is.
 */
export function databaseCreated(path: string): boolean {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return false;
  // Some files, such as those under /proc, say they are empty yet have something to read.
  return !stat.isFile() || stat.size > 0 || readHeader(path).length > 0;
}

/** The file at `path`, as device and inode: another file put in its place has another identity. */
export function fileIdentity(path: string): string | undefined {
  const stat = statSync(path, { throwIfNoEntry: false, bigint: true });
  return stat === undefined ? undefined : `${stat.dev}:${stat.ino}`;
}
