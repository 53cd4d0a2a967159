import Database, { type Statement } from 'better-sqlite3';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '../../errors.js';
import { translate } from './errors.js';
import { checkLocation, readHeader, statOf } from './location.js';

export { databaseCreated } from './location.js';
import { headerIdentity, identityOf, migrate, mustMigrate } from './schema.js';

export type Db = Database.Database;

/**
 * better-sqlite3's compiled addon, named where the build puts it: left to find it, the library
 * searches a dozen places, which every command would pay for. Undefined (search) if it is elsewhere.
 */
const NATIVE_BINDING = (() => {
  try {
    return createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    return undefined;
  }
})();

function connect(path: string | Buffer, options: Database.Options = {}): Db {
  return new Database(path, { ...options, nativeBinding: NATIVE_BINDING });
}

export const DEFAULT_BUSY_TIMEOUT = 60_000;
/** Records of a few hundred bytes: 16 KiB pages hold dozens each, and a save writes a third less than with 4 KiB. */
const PAGE_SIZE = 16384;

export interface ConnectOptions {
  readonly?: boolean;
  create?: boolean;
  busyTimeout?: number;
}

/**
 * Checks what kind of file `path` is without writing to it (not even SQLite's -wal and -shm files
 * beside it); true when it must be initialised or migrated.
 */
function inspect(path: string): boolean {
  const header = readHeader(path);
  if (header.length === 0) return true;
  const identity = headerIdentity(path, header);
  const wal = statSync(`${path}-wal`, { throwIfNoEntry: false });
  if (wal === undefined || wal.size === 0) return mustMigrate(path, identity);
  let probe: Db;
  try {
    probe = connect(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw translate(error, path, 'open');
  }
  try {
    return mustMigrate(path, identityOf(probe));
  } catch (error) {
    throw translate(error, path, 'read');
  } finally {
    probe.close();
  }
}

/** Opens (creating or migrating it when writable) an rcache database file. */
export function openDatabase(path: string, options: ConnectOptions = {}): Db {
  checkLocation(path);
  const found = statOf(path) !== undefined;
  if (!found && (options.readonly || options.create === false)) throw new StoreError('missing', `no rcache database at ${path}`);
  const mustInitialise = found ? inspect(path) : true;
  if (mustInitialise && options.readonly) {
    if (!found || readHeader(path).length === 0) throw new StoreError('missing', `${path} is an empty database with no records yet`);
    // Written by an older rcache: brought up to date first, which needs write access.
    try {
      return openDatabase(path, { ...options, readonly: false });
    } catch (error) {
      if (error instanceof StoreError && error.kind === 'read-only') {
        throw new StoreError(
          'read-only',
          `${path} was written by an earlier rcache and must be upgraded once before it can be read, which needs write access ` +
            `(${error.message}): run one command that writes to it (such as rcache reset of a model it does not have) where the file can be written`,
        );
      }
      throw error;
    }
  }
  let db: Db | undefined;
  try {
    db = connect(path, { timeout: options.busyTimeout ?? DEFAULT_BUSY_TIMEOUT });
    // Set before anything is written; a database keeps the page size it was created with.
    if (mustInitialise) db.pragma(`page_size = ${PAGE_SIZE}`);
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
    // FULL makes each committed run survive a power loss, at one fsync per run.
    db.pragma('synchronous = FULL');
    db.pragma('cache_size = -8192');
    db.pragma('temp_store = MEMORY');
    if (mustInitialise) migrate(db, path);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof StoreError) throw error;
    const failure = translate(error, path, 'open');
    if (failure.kind === 'read-only' && options.readonly) return readOnlyCopy(path);
    throw failure;
  }
}

/**
 * A second connection to a database just opened for writing, that only reads: in WAL mode it reads
 * the last committed state while the first one is in the middle of a write.
 */
export function openReader(path: string, busyTimeout: number): Db {
  try {
    const db = connect(path, { readonly: true, fileMustExist: true, timeout: busyTimeout });
    db.pragma('cache_size = -8192');
    return db;
  } catch (error) {
    throw translate(error, path, 'open');
  }
}

/** The largest file read into memory for a reader that cannot use SQLite's shared memory. */
const COPY_LIMIT = 512 * 1024 * 1024;

/** Which state of the file a copy was made from: it changes with every commit merged into the file. */
const copies = new WeakMap<Db, string>();

function fileState(path: string): string {
  const stat = statSync(path, { bigint: true });
  return `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

/**
 * A reader in a directory it may not write to: SQLite cannot create the shared-memory file that
 * WAL mode needs there, so the database is read from a copy in memory instead, made again
 * (refreshCopy) whenever the file changes. That is exact only when no write-ahead log holds pages
 * not yet in the main file.
 */
function readOnlyCopy(path: string): Db {
  const wal = statSync(`${path}-wal`, { throwIfNoEntry: false });
  if (wal !== undefined && wal.size > 0) {
    throw new StoreError('read-only', `cannot read ${path}: its directory is read-only and its write-ahead log is not yet merged into it`);
  }
  const state = fileState(path);
  const size = statSync(path).size;
  if (size > COPY_LIMIT) {
    throw new StoreError(
      'read-only',
      `cannot read ${path}: its directory is read-only, so it would be read into memory, and at ${Math.ceil(size / 2 ** 20)} MiB it is larger than ${COPY_LIMIT / 2 ** 20} MiB`,
    );
  }
  const image = readFileSync(path);
  // Bytes 18 and 19 mark WAL mode; a copy in memory must be read in the ordinary journal mode.
  image[18] = 1;
  image[19] = 1;
  const db = connect(image, { readonly: true });
  copies.set(db, state);
  return db;
}

/**
 * A new copy when `db` is a copy of a file that has changed since (a commit merged into it); else
 * undefined. While a writer's log holds commits not yet merged, the older copy stays in use.
 */
function refreshCopy(db: Db, path: string): Db | undefined {
  const state = copies.get(db);
  if (state === undefined) return undefined;
  try {
    if (fileState(path) === state) return undefined;
    return readOnlyCopy(path);
  } catch {
    return undefined;
  }
}

/** One connection to the file: its prepared statements, its transactions, its failures as StoreErrors. */
export class Connection {
  private readonly statements = new Map<string, Statement>();
  /** A run or other work holds the connection's transaction: nothing else may begin one. */
  held = false;

  constructor(
    public db: Db,
    readonly path: string,
    readonly busyTimeout: number,
    /** Opened for one piece of work: closed once that work lets it go. */
    private readonly once = false,
  ) {}

  /** A prepared statement, prepared once per connection. */
  statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  /** Runs `work` so that any SQLite failure reaches callers as a StoreError. */
  guard<T>(doing: 'read' | 'write', work: () => T): T {
    if (!this.held) this.refresh();
    try {
      return work();
    } catch (error) {
      throw translate(error, this.path, doing);
    }
  }

  /** A reader that reads a copy of the file in memory reads a new copy once the file has changed. */
  private refresh(): void {
    const fresh = refreshCopy(this.db, this.path);
    if (fresh === undefined) return;
    this.db.close();
    this.db = fresh;
    this.statements.clear();
  }

  /**
   * Begins a transaction and holds it: with `write`, once SQLite's write lock is taken, without
   * blocking the event loop: while another writer holds it, this retries every few milliseconds
   * (up to the busy timeout), so a signal can still stop the wait.
   */
  async begin(write: boolean, signal?: AbortSignal): Promise<void> {
    if (this.held) throw new Error('a run is already open on this store');
    if (!write) {
      this.guard('read', () => this.db.exec('BEGIN'));
      this.held = true;
      return;
    }
    const deadline = Date.now() + this.busyTimeout;
    const blocking = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      for (;;) {
        try {
          this.db.exec('BEGIN IMMEDIATE');
          this.held = true;
          return;
        } catch (error) {
          const busy = String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY');
          if (!busy || Date.now() >= deadline) throw translate(error, this.path, 'write');
        }
        try {
          await sleep(20, undefined, { signal });
        } catch (error) {
          throw signal?.aborted ? signal.reason : error;
        }
      }
    } finally {
      this.db.pragma(`busy_timeout = ${blocking}`);
    }
  }

  /** Commits the transaction held. */
  commit(): void {
    this.guard('write', () => this.db.exec('COMMIT'));
  }

  /** Rolls back whatever is still open and lets the connection go. */
  release(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.held = false;
    if (this.once && this.db.open) this.db.close();
  }
}
