import Database from 'better-sqlite3';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { RcacheError } from '../errors.js';

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

/** Marks a SQLite file as rcache's ("rcac"), so another program's database is never mistaken for one. */
export const APPLICATION_ID = 0x72636163;

// Each migration runs in one transaction with the bump of user_version; index = version - 1.
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sequence (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
  ) STRICT;
  INSERT INTO sequence (id, value) VALUES (1, 0);

  CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    integration TEXT NOT NULL,
    connection TEXT NOT NULL,
    model TEXT NOT NULL,
    live INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    pruned INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    runs INTEGER NOT NULL DEFAULT 0,
    last_run_at INTEGER,
    last_sync_at INTEGER,
    last_change_at INTEGER,
    UNIQUE (integration, connection, model)
  ) STRICT;

  CREATE TABLE records (
    dataset_id INTEGER NOT NULL REFERENCES datasets (id),
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('ADDED', 'UPDATED', 'DELETED')),
    hash TEXT NOT NULL,
    raw_hash TEXT NOT NULL,
    payload TEXT,
    size INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_modified_at INTEGER NOT NULL,
    deleted_at INTEGER,
    pruned_at INTEGER
  ) STRICT;
  CREATE UNIQUE INDEX records_by_id ON records (dataset_id, id);
  CREATE UNIQUE INDEX records_by_seq ON records (dataset_id, seq);

  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    integration TEXT NOT NULL,
    connection TEXT NOT NULL,
    model TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    added INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    unknown INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    pruned INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
export const DEFAULT_BUSY_TIMEOUT = 60_000;
/** Records of a few hundred bytes: 16 KiB pages hold dozens each, and a save writes a third less than with 4 KiB. */
const PAGE_SIZE = 16384;

export interface OpenOptions {
  /** Open for reading only: the file must exist and is never initialised or migrated. */
  readonly?: boolean;
  /** How long to wait for another process's write lock, in milliseconds. */
  busyTimeout?: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

interface Identity {
  applicationId: number;
  version: number;
  empty: boolean;
}

/** Whether an identified file must be initialised or migrated; throws for one rcache must not touch. */
function classify(path: string, { applicationId, version, empty }: Identity): boolean {
  if (applicationId === APPLICATION_ID) {
    if (version > SCHEMA_VERSION) {
      throw new RcacheError(
        `${path} was written by a newer rcache (schema ${version}; this rcache knows up to ${SCHEMA_VERSION}): upgrade rcache to use it`,
      );
    }
    return version < SCHEMA_VERSION;
  }
  if (applicationId === 0 && version === 0 && empty) return true;
  throw new RcacheError(`${path} is not an rcache database (it is another program's SQLite database); choose another file with --db`);
}

/** The file's first 100 bytes, where SQLite keeps user_version and application_id. */
function readHeader(path: string): Buffer {
  const header = Buffer.alloc(100);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return header.subarray(0, readSync(fd, header, 0, 100, 0));
  } catch (error) {
    throw new RcacheError(`cannot open database ${path}: ${describe(error)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Asks SQLite itself, read-only: needed when a write-ahead log may hold a newer header. */
function identifyWithSqlite(path: string): Identity {
  let probe: Db;
  try {
    probe = connect(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new RcacheError(`cannot open database ${path}: ${describe(error)}`);
  }
  try {
    return {
      applicationId: probe.pragma('application_id', { simple: true }) as number,
      version: probe.pragma('user_version', { simple: true }) as number,
      empty: (probe.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number) === 0,
    };
  } catch (error) {
    throw new RcacheError(`cannot read database ${path}: ${describe(error)}`);
  } finally {
    probe.close();
  }
}

/**
 * Checks what kind of file `path` is without writing to it (not even SQLite's -wal and -shm files
 * beside it); true when it must be initialised or migrated.
 */
function inspect(path: string): boolean {
  const header = readHeader(path);
  if (header.length === 0) return true;
  if (header.length < 100 || !header.subarray(0, 16).equals(MAGIC)) {
    throw new RcacheError(`${path} is not an rcache database (not a SQLite file); choose another file with --db`);
  }
  const wal = statSync(`${path}-wal`, { throwIfNoEntry: false });
  if (wal !== undefined && wal.size > 0) return classify(path, identifyWithSqlite(path));
  // The schema cookie (offset 40) is 0 until a first table is created.
  return classify(path, { applicationId: header.readUInt32BE(68), version: header.readUInt32BE(60), empty: header.readUInt32BE(40) === 0 });
}

function migrate(db: Db, path: string): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    // Another process may have initialised or migrated the file while this one waited for the lock.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new RcacheError(`${path} was written by a newer rcache (schema ${version})`);
    for (let next = version; next < SCHEMA_VERSION; next++) db.exec(MIGRATIONS[next]!);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

function exists(path: string): boolean {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new RcacheError(`cannot open database ${path}: it is a directory`);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Opens (creating or migrating it when writable) an rcache database file. */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const found = exists(path);
  if (!found && options.readonly) throw new RcacheError(`no rcache database at ${path} (save some records first, or pass --db)`);
  const mustInitialise = found ? inspect(path) : true;
  if (mustInitialise && options.readonly) throw new RcacheError(`${path} is an empty database with no records yet`);
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
    if (error instanceof RcacheError) throw error;
    const code = String((error as { code?: unknown }).code);
    if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')) {
      if (options.readonly) return readOnlyCopy(path);
      throw new RcacheError(`cannot write to ${path}: the file or its directory is read-only`);
    }
    throw new RcacheError(`cannot use database ${path}: ${describe(error)}`);
  }
}

/**
 * A reader in a directory it may not write to: SQLite cannot create the shared-memory file that
 * WAL mode needs there, so the database is read from a copy in memory instead. That is exact only
 * when no write-ahead log holds pages not yet in the main file.
 */
function readOnlyCopy(path: string): Db {
  const wal = statSync(`${path}-wal`, { throwIfNoEntry: false });
  if (wal !== undefined && wal.size > 0) {
    throw new RcacheError(`cannot read ${path}: its directory is read-only and its write-ahead log is not yet merged into it`);
  }
  const image = readFileSync(path);
  // Bytes 18 and 19 mark WAL mode; a copy in memory must be read in the ordinary journal mode.
  image[18] = 1;
  image[19] = 1;
  return connect(image, { readonly: true });
}
