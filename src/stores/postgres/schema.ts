import type pg from 'pg';
import { newDatabaseId } from '../../database-id.js';
import { StoreError } from '../../errors.js';
import initial from './migrations/001-initial.js';
import identityColumns from './migrations/002-identity.js';
import names from './migrations/003-names.js';
import webhookDeliveries from './migrations/004-webhook-deliveries.js';
import horizons from './migrations/005-horizons.js';
import checkpoints from './migrations/006-checkpoints.js';
import jsonSchemas from './migrations/007-json-schemas.js';

/** Everything rcache keeps lives in this schema of the database it is given. */
export const SCHEMA = 'rcache';

/*
 * Each migration runs in the transaction that bumps meta.schema_version; index = version - 1. The
 * versions and their names are SQLite's (src/stores/sqlite/migrations/). No foreign keys: a record
 * names its dataset by id, and every write holds that dataset's row lock, so a check per inserted
 * row would buy nothing. Names and ids sort bytewise (COLLATE "C"), whatever the database's
 * locale, as SQLite sorts them.
 */
const MIGRATIONS: readonly string[] = [initial, identityColumns, names, webhookDeliveries, horizons, checkpoints, jsonSchemas];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Serialises creating and migrating the schema between processes ("rcac"). */
const MIGRATION_LOCK = 0x72636163;

export interface Identity {
  version: number;
  databaseId: string;
}

type Found = Identity | 'absent' | { foreign: string };

/** What the database holds, read without writing anything. */
async function inspect(client: pg.ClientBase): Promise<Found> {
  const { rows } = await client.query<{ meta: string | null; schema: boolean; other: string | null }>(
    `SELECT to_regclass('rcache.meta')::text AS meta,
       EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'rcache') AS schema,
       (SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'rcache')
           AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1 LIMIT 1) AS other`,
  );
  const { meta, schema, other } = rows[0]!;
  if (meta !== null) {
    const identity = await client.query<{ schema_version: number; database_id: string }>('SELECT schema_version, database_id FROM rcache.meta');
    const row = identity.rows[0];
    if (row === undefined) return { foreign: 'its rcache schema has no identity row' };
    return { version: row.schema_version, databaseId: row.database_id };
  }
  if (schema) return { foreign: 'it has a schema named rcache that rcache did not create' };
  if (other !== null) return { foreign: `it holds another program's tables (${other})` };
  return 'absent';
}

function refuse(found: Exclude<Found, Identity | 'absent'>, where: string): StoreError {
  return new StoreError('foreign', `${where} is not an rcache database (${found.foreign})`);
}

function checkVersion(identity: Identity, where: string): void {
  if (identity.version > SCHEMA_VERSION) {
    throw new StoreError(
      'newer-schema',
      `${where} was written by a newer rcache (schema ${identity.version}; this rcache knows up to ${SCHEMA_VERSION}): upgrade rcache to use it`,
    );
  }
}

/**
 * Checks that the database is rcache's and current, creating or migrating the schema when it may
 * write (creating it only when `create`, and never for a reader, which upgrades one written by an
 * earlier rcache all the same). A newer schema, or a database holding anything else, is refused
 * untouched.
 */
export async function ensureSchema(client: pg.ClientBase, where: string, { readonly, create }: { readonly: boolean; create: boolean }): Promise<Identity> {
  const found = await inspect(client);
  if (found !== 'absent' && 'foreign' in found) throw refuse(found, where);
  if (found !== 'absent') {
    checkVersion(found, where);
    if (found.version === SCHEMA_VERSION) return found;
  }
  if (found === 'absent' && (readonly || !create)) throw new StoreError('missing', `no rcache database at ${where}`);
  try {
    return await migrate(client, where, readonly);
  } catch (error) {
    if (!readonly || error instanceof StoreError) throw error;
    const { message = String(error) } = error as { message?: string };
    throw new StoreError(
      'read-only',
      `${where} was written by an earlier rcache and must be upgraded once before it can be read, which needs to own its schema ` +
        `(${message.split('\n')[0]}): run one command that writes to it (such as rcache reset of a model it does not have) as its owner`,
      { cause: error },
    );
  }
}

/** Creates or migrates the schema under the migration lock, in one transaction with the version bump. */
async function migrate(client: pg.ClientBase, where: string, readonly: boolean): Promise<Identity> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // Another process may have created, migrated or dropped the schema while this one waited.
    const current = await inspect(client);
    if (current !== 'absent' && 'foreign' in current) throw refuse(current, where);
    let identity: Identity;
    if (current === 'absent') {
      if (readonly) throw new StoreError('missing', `no rcache database at ${where}`);
      identity = { version: 0, databaseId: newDatabaseId() };
    } else {
      checkVersion(current, where);
      identity = current;
    }
    for (let next = identity.version; next < SCHEMA_VERSION; next++) {
      if (MIGRATIONS[next] !== '') await client.query(MIGRATIONS[next]!);
    }
    if (identity.version === 0) {
      await client.query('INSERT INTO rcache.meta (schema_version, database_id) VALUES ($1, $2)', [SCHEMA_VERSION, identity.databaseId]);
    } else {
      await client.query('UPDATE rcache.meta SET schema_version = $1', [SCHEMA_VERSION]);
    }
    await client.query('COMMIT');
    return { ...identity, version: SCHEMA_VERSION };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
