import type { CheckpointWrite, Dataset, StoredCheckpoint } from '../store.js';
import type { Connections } from './connection.js';
import { storeError } from './errors.js';
import { names } from './reads.js';
import { Transaction } from './transaction.js';

const NAMES = 'integration = $1 AND connection = $2 AND model = $3';

const READ = `SELECT checkpoint, version, updated_at FROM rcache.checkpoints WHERE ${NAMES}`;

/**
 * The dataset's checkpoint, holding its row's lock until the transaction ends: a row with version
 * 0 (none) is made first when there is none, and rolled back with a transaction that writes nothing.
 */
export const LOCK_CHECKPOINT = `
INSERT INTO rcache.checkpoints (integration, connection, model, version) VALUES ($1, $2, $3, 0)
ON CONFLICT (integration, connection, model) DO UPDATE SET version = rcache.checkpoints.version
RETURNING checkpoint, version, updated_at`;

/** Sets (or with null clears) the dataset's checkpoint, its version growing by one: $4 the time, $5 the text. */
export const STORE_CHECKPOINT = `
INSERT INTO rcache.checkpoints (integration, connection, model, version, updated_at, checkpoint) VALUES ($1, $2, $3, 1, $4, $5)
ON CONFLICT (integration, connection, model) DO UPDATE
SET version = rcache.checkpoints.version + 1, updated_at = excluded.updated_at, checkpoint = excluded.checkpoint`;

/** Clears a checkpoint that was ever written, as a write of it: $4 the time. */
export const CLEAR_CHECKPOINT = `UPDATE rcache.checkpoints SET version = version + 1, updated_at = $4, checkpoint = NULL WHERE ${NAMES} RETURNING 1`;

type Row = [string | null, number, number | null];

export function stored(row: Row | undefined): StoredCheckpoint {
  return row === undefined ? { text: null, version: 0, updatedAt: null } : { text: row[0], version: row[1], updatedAt: row[2] };
}

export async function readCheckpoint(conns: Connections, dataset: Dataset): Promise<StoredCheckpoint> {
  return stored((await conns.query<Row>(READ, names(dataset)))[0]);
}

/** A checkpoint written alone, in a transaction holding its row's lock, when the stored version is the one expected. */
export async function writeCheckpoint(conns: Connections, dataset: Dataset, write: CheckpointWrite): Promise<{ written: boolean; stored: StoredCheckpoint }> {
  const client = await conns.connect();
  try {
    await conns.begin(client);
  } catch (error) {
    client.release(true);
    throw storeError(error, conns.where);
  }
  const tx = new Transaction(client, conns.where);
  try {
    const params = names(dataset);
    const before = stored((await tx.query<Row>(LOCK_CHECKPOINT, params))[0]);
    if (write.expectVersion !== undefined && write.expectVersion !== before.version) return { written: false, stored: before };
    await tx.query(STORE_CHECKPOINT, [...params, write.at, write.text]);
    await tx.commit();
    return { written: true, stored: { text: write.text, version: before.version + 1, updatedAt: write.at } };
  } finally {
    await tx.abort();
  }
}
