import type Database from 'better-sqlite3';
import { newDatabaseId } from '../../database-id.js';
import { StoreError } from '../../errors.js';
import initial from './migrations/001-initial.js';
import identityColumns from './migrations/002-identity.js';
import names from './migrations/003-names.js';
import webhookDeliveries from './migrations/004-webhook-deliveries.js';
import horizons from './migrations/005-horizons.js';
import checkpoints from './migrations/006-checkpoints.js';
import jsonSchemas from './migrations/007-json-schemas.js';

/** Marks a SQLite file as rcache's ("rcac"), so another program's database is never mistaken for one. */
export const APPLICATION_ID = 0x72636163;

// Each migration runs in one transaction with the bump of user_version; index = version - 1.
const MIGRATIONS: readonly string[] = [initial, identityColumns, names, webhookDeliveries, horizons, checkpoints, jsonSchemas];

export const SCHEMA_VERSION = MIGRATIONS.length;

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export interface Identity {
  applicationId: number;
  version: number;
  empty: boolean;
}

/** Whether an identified file must be initialised or migrated; throws for one rcache must not touch. */
export function mustMigrate(path: string, { applicationId, version, empty }: Identity): boolean {
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

/** The identity in a file's first 100 bytes; throws for a file that is not a SQLite database. */
export function headerIdentity(path: string, header: Buffer): Identity {
  if (header.length < 100 || !header.subarray(0, 16).equals(MAGIC)) {
    throw new StoreError('foreign', `${path} is not an rcache database (not a SQLite file)`);
  }
  // The schema cookie (offset 40) is 0 until a first table is created.
  return { applicationId: header.readUInt32BE(68), version: header.readUInt32BE(60), empty: header.readUInt32BE(40) === 0 };
}

/** The identity as SQLite itself reads it: needed when a write-ahead log may hold a newer header. */
export function identityOf(db: Database.Database): Identity {
  // One read transaction: another process's first migration may commit between separate reads.
  return db.transaction(() => ({
    applicationId: db.pragma('application_id', { simple: true }) as number,
    version: db.pragma('user_version', { simple: true }) as number,
    empty: (db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number) === 0,
  }))();
}

/**
 * Creates or migrates the schema, under the write lock, in one transaction with the version bump.
 * Foreign keys are not enforced meanwhile, as a table is rebuilt (SQLite's ALTER TABLE steps), but
 * checked before the commit.
 */
export function migrate(db: Database.Database, path: string): void {
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    migrateUnchecked(db, path);
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys}`);
  }
}

function migrateUnchecked(db: Database.Database, path: string): void {
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
    if (broken.length > 0)
      throw new StoreError('failed', `${path}: ${broken.length} records name no dataset after the upgrade of its schema; nothing was changed`);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
