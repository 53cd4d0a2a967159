import type { CheckpointWrite, Dataset, StoredCheckpoint } from '../store.js';
import type { Connection } from './connection.js';

const NAMES = 'integration = ? AND connection = ? AND model = ?';

const names = (dataset: Dataset) => [dataset.integration, dataset.connection, dataset.model];

export function readCheckpoint(conn: Connection, dataset: Dataset): StoredCheckpoint {
  const row = conn
    .statement(`SELECT checkpoint, version, updated_at FROM checkpoints WHERE ${NAMES}`)
    .raw(true)
    .get(...names(dataset)) as [string | null, number, number | null] | undefined;
  return row === undefined ? { text: null, version: 0, updatedAt: null } : { text: row[0], version: row[1], updatedAt: row[2] };
}

/** Sets (or with null clears) the dataset's checkpoint, its version growing by one; inside a write transaction. */
export function storeCheckpoint(conn: Connection, dataset: Dataset, text: string | null, at: number): void {
  conn
    .statement(
      `INSERT INTO checkpoints (integration, connection, model, version, updated_at, checkpoint) VALUES (?, ?, ?, 1, ?, ?)
       ON CONFLICT (integration, connection, model) DO UPDATE SET version = version + 1, updated_at = excluded.updated_at, checkpoint = excluded.checkpoint`,
    )
    .run(...names(dataset), at, text);
}

/** A checkpoint written alone, when the stored version is the one expected; inside a write transaction, which holds SQLite's one write lock. */
export function writeCheckpoint(conn: Connection, dataset: Dataset, write: CheckpointWrite): { written: boolean; stored: StoredCheckpoint } {
  const stored = readCheckpoint(conn, dataset);
  if (write.expectVersion !== undefined && write.expectVersion !== stored.version) return { written: false, stored };
  storeCheckpoint(conn, dataset, write.text, write.at);
  // No run is appended: the database's version must still grow, for readers that wait for commits.
  conn.statement('UPDATE meta SET checkpoint_writes = checkpoint_writes + 1 WHERE id = 1').run();
  return { written: true, stored: { text: write.text, version: stored.version + 1, updatedAt: write.at } };
}

/** Clears a checkpoint that was ever written, as a write of it; whether there was one. Inside a write transaction. */
export function clearCheckpoint(conn: Connection, dataset: Dataset, at: number): boolean {
  const { changes } = conn
    .statement(`UPDATE checkpoints SET version = version + 1, updated_at = ?, checkpoint = NULL WHERE ${NAMES}`)
    .run(at, ...names(dataset));
  return changes > 0;
}
