import type pg from 'pg';
import { newDatabaseId } from '../../database-id.js';
import { StoreError } from '../../errors.js';

/** Everything rcache keeps lives in this schema of the database it is given. */
export const SCHEMA = 'rcache';

/*
 * Each migration runs in the transaction that bumps meta.schema_version; index = version - 1.
 * No foreign keys: a record names its dataset by uid, and every write holds that dataset's row
 * lock, so a check per inserted row would buy nothing. Names and ids sort bytewise (COLLATE "C"),
 * whatever the database's locale, as SQLite sorts them.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE SCHEMA rcache;

  CREATE TABLE rcache.meta (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    schema_version integer NOT NULL,
    database_id text NOT NULL,
    -- The latest change time of datasets that were expired: times stamped never go backwards.
    last_time bigint NOT NULL DEFAULT 0
  );

  -- The database-wide change sequence. Positions are taken only while the dataset's row lock is
  -- held, so that they follow commit order within a dataset. No cache: positions from several
  -- sessions must be handed out in call order.
  CREATE SEQUENCE rcache.positions AS bigint NO CYCLE;
  -- Row keys: any unique number will do, so sessions may take them in blocks.
  CREATE SEQUENCE rcache.keys AS bigint CACHE 1000;

  CREATE TABLE rcache.datasets (
    uid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    integration text COLLATE "C" NOT NULL,
    connection text COLLATE "C" NOT NULL,
    model text COLLATE "C" NOT NULL,
    generation integer NOT NULL DEFAULT 0,
    live bigint NOT NULL DEFAULT 0,
    deleted bigint NOT NULL DEFAULT 0,
    pruned bigint NOT NULL DEFAULT 0,
    bytes bigint NOT NULL DEFAULT 0,
    runs bigint NOT NULL DEFAULT 0,
    last_run_at bigint,
    last_sync_at bigint,
    last_change_at bigint,
    last_time bigint NOT NULL DEFAULT 0,
    UNIQUE (integration, connection, model)
  );

  CREATE TABLE rcache.records (
    dataset_uid bigint NOT NULL,
    key bigint NOT NULL DEFAULT nextval('rcache.keys'),
    id text COLLATE "C" NOT NULL,
    position bigint NOT NULL,
    action text NOT NULL CHECK (action IN ('ADDED', 'UPDATED', 'DELETED')),
    hash text NOT NULL,
    raw_hash text NOT NULL,
    payload text,
    size integer NOT NULL,
    first_seen_at bigint NOT NULL,
    last_modified_at bigint NOT NULL,
    deleted_at bigint,
    pruned_at bigint,
    PRIMARY KEY (dataset_uid, key),
    UNIQUE (dataset_uid, id),
    UNIQUE (dataset_uid, position)
  );

  CREATE TABLE rcache.runs (
    number bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL,
    integration text COLLATE "C" NOT NULL,
    connection text COLLATE "C" NOT NULL,
    model text COLLATE "C" NOT NULL,
    started_at bigint NOT NULL,
    finished_at bigint NOT NULL,
    added bigint NOT NULL DEFAULT 0,
    updated bigint NOT NULL DEFAULT 0,
    unchanged bigint NOT NULL DEFAULT 0,
    deleted bigint NOT NULL DEFAULT 0,
    unknown bigint NOT NULL DEFAULT 0,
    duplicates bigint NOT NULL DEFAULT 0,
    rejected bigint NOT NULL DEFAULT 0,
    pruned bigint NOT NULL DEFAULT 0
  );
  CREATE INDEX runs_by_dataset ON rcache.runs (integration, connection, model, number);
  `,
];

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
  return new StoreError('foreign', `${where} is not an rcache database (${found.foreign}); give rcache a database of its own`);
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
 * write (creating it only when `create`). A newer schema, or a database holding anything else, is
 * refused untouched.
 */
export async function ensureSchema(client: pg.ClientBase, where: string, { readonly, create }: { readonly: boolean; create: boolean }): Promise<Identity> {
  const found = await inspect(client);
  if (found !== 'absent' && 'foreign' in found) throw refuse(found, where);
  if (found !== 'absent') {
    checkVersion(found, where);
    if (found.version === SCHEMA_VERSION) return found;
  }
  if (found === 'absent' && (readonly || !create)) throw new StoreError('missing', `no rcache database at ${where}`);
  if (readonly) {
    throw new StoreError('failed', `${where} was written by an older rcache: run a writing command once to upgrade it`);
  }
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // Another process may have created or migrated the schema while this one waited.
    const current = await inspect(client);
    if (current !== 'absent' && 'foreign' in current) throw refuse(current, where);
    let identity: Identity;
    if (current === 'absent') {
      identity = { version: 0, databaseId: newDatabaseId() };
    } else {
      checkVersion(current, where);
      identity = current;
    }
    for (let next = identity.version; next < SCHEMA_VERSION; next++) await client.query(MIGRATIONS[next]!);
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
