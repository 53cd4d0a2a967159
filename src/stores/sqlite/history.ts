import { RUN_COUNTS, type DatasetMove, type DatasetRef, type RunEntry } from '../store.js';
import type { Connection } from './connection.js';

/**
 * Appends a run of the dataset to the history and moves the dataset's figures; the dataset keeps
 * `stamped` as the latest time its runs stamped. Inside a write transaction.
 */
export function appendRun(conn: Connection, dataset: DatasetRef, run: RunEntry, move: DatasetMove | undefined, stamped = 0): void {
  conn
    .statement(
      `INSERT INTO runs (kind, integration, connection, model, started_at, finished_at, ${RUN_COUNTS.join(', ')})
       VALUES (?, ?, ?, ?, ?, ?, ${RUN_COUNTS.map(() => '?').join(', ')})`,
    )
    .run(run.kind, dataset.integration, dataset.connection, dataset.model, run.startedAt, run.finishedAt, ...RUN_COUNTS.map((count) => run[count]));
  if (move === undefined) return;
  const { delta } = move;
  conn
    .statement(
      `UPDATE datasets SET live = live + ?, deleted = deleted + ?, pruned = pruned + ?, bytes = bytes + ?,
         runs = runs + 1, last_run_at = ?, last_sync_at = coalesce(?, last_sync_at), last_change_at = coalesce(?, last_change_at),
         last_time = max(last_time, ?)
       WHERE id = ?`,
    )
    .run(delta.live, delta.deleted, delta.pruned, delta.bytes, run.finishedAt, move.syncAt ?? null, move.changeAt ?? null, stamped, dataset.uid);
}
