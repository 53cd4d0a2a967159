import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Cache } from '../cache/cache.js';
import { StoreError } from '../errors.js';
import { HttpError } from './http.js';

/** The cache lent to one request, until its answer is complete. */
export interface Lease {
  cache: Cache;
  release(): void;
}

interface Opened {
  cache: Cache;
  /** The file opened, as device and inode; undefined for a database on a server. */
  file: string | undefined;
  /** Its write-ahead log (SQLite's -wal file beside it), as device and inode. */
  log: string | undefined;
  users: number;
  retired: boolean;
}

/** How many times a database replaced again while it was being opened is opened anew. */
const OPEN_ATTEMPTS = 3;

/** The file at `path` as device and inode: a file put in its place has another inode, even one of the same name. */
function identity(path: string): string | undefined {
  try {
    const stat = statSync(path, { bigint: true, throwIfNoEntry: false });
    return stat === undefined ? undefined : `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

/** The header of a write-ahead log, whose salts are new each time a log is started; undefined for an empty one. */
function logHeader(path: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const header = Buffer.alloc(32);
    return readSync(fd, header, 0, 32, 0) === 32 ? header : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function unavailable(message: string): HttpError {
  return new HttpError(503, 'database_unavailable', message);
}

/**
 * The database a server answers from: always the one now at its location, never a file deleted or
 * replaced while the server ran (deleted with its directory, a new database created at the path, a
 * copy moved over it). Before each request the file at the path is compared with the one opened,
 * by a stat rather than a read; when it differs, the database now at the path is opened, and the
 * old one is closed once the requests using it are done. While nothing is at the path, requests
 * are refused with 503. A database on a server is answered from as it is.
 */
export class ServedDatabase {
  private opening: Promise<Opened> | undefined;
  /**
   * The header of the log that a replaced database left at the path. While the one opened is
   * open its log stays (SQLite removes it at the last close, but not once the file has moved), and
   * SQLite would read the database now at the path through it: the replaced database's pages.
   */
  private staleLog: Buffer | undefined;

  private constructor(
    private opened: Opened | undefined,
    private readonly path: string | undefined,
    private readonly reopen: () => Promise<Cache>,
  ) {}

  /** Serves `cache`; `reopen` opens the database at the same location again, without creating one. */
  static async of(cache: Cache, reopen: () => Promise<Cache>): Promise<ServedDatabase> {
    const info = await cache.info();
    // A database in a local file has its files listed; one on a server has none.
    const path = info.files[0];
    const opened = { cache, file: path && identity(path), log: path && identity(`${path}-wal`), users: 0, retired: false };
    return new ServedDatabase(opened, path, reopen);
  }

  /** The cache to answer one request from; release the lease once the answer is complete. */
  async acquire(): Promise<Lease> {
    let opened = this.opened;
    if (opened !== undefined && this.path !== undefined && identity(this.path) !== opened.file) {
      this.opened = undefined;
      this.retire(opened);
      opened = undefined;
    }
    if (opened === undefined) {
      this.opening ??= this.open().finally(() => (this.opening = undefined));
      opened = this.opened = await this.opening;
    }
    const lent = opened;
    lent.users++;
    let released = false;
    return {
      cache: lent.cache,
      release: () => {
        if (released) return;
        released = true;
        lent.users--;
        if (lent.retired && lent.users === 0) void lent.cache.close().catch(() => {});
      },
    };
  }

  private retire(opened: Opened): void {
    // Compared while the log is still open, so that its inode cannot have been given to another file.
    if (opened.log !== undefined && identity(`${this.path}-wal`) === opened.log) this.staleLog = logHeader(`${this.path}-wal`);
    opened.retired = true;
    if (opened.users === 0) void opened.cache.close().catch(() => {});
  }

  /** Opens the database now at the path; a file replaced again meanwhile is opened anew. */
  private async open(): Promise<Opened> {
    const path = this.path!;
    for (let attempt = 1; ; attempt++) {
      const before = identity(path);
      if (before === undefined) throw unavailable(`the database ${path} was deleted while rcache serve ran: it answers again once a database is at that path`);
      const log = `${path}-wal`;
      if (this.staleLog !== undefined && logHeader(log)?.equals(this.staleLog)) {
        throw unavailable(
          `the database ${path} was replaced while ${log} held the last changes of the one it replaced, which reading it now would read: ` +
            `remove ${log} and ${path}-shm (they belong to no database at the path any more), and rcache serve answers from ${path}`,
        );
      }
      let cache: Cache;
      try {
        cache = await this.reopen();
      } catch (error) {
        if (error instanceof StoreError && error.kind !== 'busy') throw unavailable(`the database ${path} was replaced and cannot be opened: ${error.message}`);
        throw error;
      }
      // A read, so that the log is open and stays while the database is.
      await cache.info();
      const file = identity(path);
      if (file === before) return { cache, file, log: identity(log), users: 0, retired: false };
      await cache.close();
      if (attempt === OPEN_ATTEMPTS) throw unavailable(`the database ${path} is being replaced: retry shortly`);
    }
  }

  /** Closes the database; call once no request is in progress. */
  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    await opened?.cache.close();
  }
}
