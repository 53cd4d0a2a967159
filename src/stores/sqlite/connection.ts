import Database from 'better-sqlite3';
import { closeSync, constants, lstatSync, openSync, readFileSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { newDatabaseId } from '../../database-id.js';
import { StoreError } from '../../errors.js';
import { translate } from './errors.js';
import initial from './migrations/001-initial.js';
import identityColumns from './migrations/002-identity.js';
import names from './migrations/003-names.js';

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
const MIGRATIONS: readonly string[] = [initial, identityColumns, names];

export const SCHEMA_VERSION = MIGRATIONS.length;
export const DEFAULT_BUSY_TIMEOUT = 60_000;
/** Records of a few hundred bytes: 16 KiB pages hold dozens each, and a save writes a third less than with 4 KiB. */
const PAGE_SIZE = 16384;

export interface ConnectOptions {
  readonly?: boolean;
  create?: boolean;
  busyTimeout?: number;
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
      throw new StoreError(
        'newer-schema',
        `${path} was written by a newer rcache (schema ${version}; this rcache knows up to ${SCHEMA_VERSION}): upgrade rcache to use it`,
      );
    }
    return version < SCHEMA_VERSION;
  }
  if (applicationId === 0 && version === 0 && empty) return true;
  throw new StoreError('foreign', `${path} is not an rcache database (it is another program's SQLite database)`);
}

/** The file's first 100 bytes, where SQLite keeps user_version and application_id. */
function readHeader(path: string): Buffer {
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

/** Asks SQLite itself, read-only: needed when a write-ahead log may hold a newer header. */
function identifyWithSqlite(path: string): Identity {
  let probe: Db;
  try {
    probe = connect(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw translate(error, path, 'open');
  }
  try {
    // One read transaction: another process's first migration may commit between separate reads.
    return probe.transaction(() => ({
      applicationId: probe.pragma('application_id', { simple: true }) as number,
      version: probe.pragma('user_version', { simple: true }) as number,
      empty: (probe.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number) === 0,
    }))();
  } catch (error) {
    throw translate(error, path, 'read');
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
    throw new StoreError('foreign', `${path} is not an rcache database (not a SQLite file)`);
  }
  const wal = statSync(`${path}-wal`, { throwIfNoEntry: false });
  if (wal !== undefined && wal.size > 0) return classify(path, identifyWithSqlite(path));
  // The schema cookie (offset 40) is 0 until a first table is created.
  return classify(path, { applicationId: header.readUInt32BE(68), version: header.readUInt32BE(60), empty: header.readUInt32BE(40) === 0 });
}

/**
 * Creates or migrates the schema, under the write lock, in one transaction with the version bump.
 * Foreign keys are not enforced meanwhile, as a table is rebuilt (SQLite's ALTER TABLE steps), but
 * checked before the commit.
 */
function migrate(db: Db, path: string): void {
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    migrateUnchecked(db, path);
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys}`);
  }
}

function migrateUnchecked(db: Db, path: string): void {
  db.transaction(() => {
    // Another process may have initialised or migrated the file while this one waited for the lock.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new StoreError('newer-schema', `${path} was written by a newer rcache (schema ${version})`);
    if (version === 0 && (db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number) > 0) {
      throw new StoreError('foreign', `${path} is not an rcache database (it is another program's SQLite database)`);
    }
    for (let next = version; next < SCHEMA_VERSION; next++) {
      db.exec(MIGRATIONS[next]!.replace(':database_id', `'${newDatabaseId()}'`));
    }
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new StoreError('failed', `${path}: ${broken.length} records name no dataset after the upgrade of its schema; nothing was changed`);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** Refuses locations that would open a private, temporary or URI-configured database instead of a file. */
function checkLocation(path: string): void {
  if (path.trim() === '') throw new StoreError('bad-location', 'the database path is empty: give a file path');
  if (path === ':memory:' || /^file:/i.test(path)) {
    throw new StoreError('bad-location', `'${path}' is not a file path: rcache keeps its records in a file it can find again`);
  }
}

/** What is at `path`: undefined when nothing; refuses anything that is not a regular file. */
function statOf(path: string): Stats | undefined {
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
export function refreshCopy(db: Db, path: string): Db | undefined {
  const state = copies.get(db);
  if (state === undefined) return undefined;
  try {
    if (fileState(path) === state) return undefined;
    return readOnlyCopy(path);
  } catch {
    return undefined;
  }
}
