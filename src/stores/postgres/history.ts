import type pg from 'pg';
import { RUN_COUNTS, type DatasetMove, type DatasetRef, type RunEntry } from '../store.js';
import { names } from './reads.js';
import { prepared } from './statements.js';

/*
 * Appends a run to the history and, when $2, moves its dataset's figures; the dataset keeps $12 as
 * the latest time its runs stamped. The update runs whether or not the insert reads it.
 */
const APPEND_RUN = `
WITH moved AS (
  UPDATE rcache.datasets SET
    live = live + $3, deleted = deleted + $4, pruned = pruned + $5, bytes = bytes + $6,
    runs = runs + 1, last_run_at = $7::bigint,
    last_sync_at = coalesce($8::bigint, last_sync_at), last_change_at = coalesce($9::bigint, last_change_at),
    last_time = greatest(last_time, $12::bigint)
  WHERE id = $1 AND $2::boolean
)
INSERT INTO rcache.runs (integration, connection, model, kind, started_at, finished_at, ${RUN_COUNTS.join(', ')})
VALUES ($13, $14, $15, $10, $11, $7, ${RUN_COUNTS.map((_, i) => `$${16 + i}`).join(', ')})`;

/** Appends a run of the dataset to the history, in the transaction of `client`; see APPEND_RUN. */
export async function appendRun(client: pg.ClientBase, dataset: DatasetRef, run: RunEntry, move: DatasetMove | undefined, stamped = 0): Promise<void> {
  const delta = move?.delta ?? { live: 0, deleted: 0, pruned: 0, bytes: 0 };
  await client.query(
    prepared(APPEND_RUN, [
      dataset.uid,
      move !== undefined,
      delta.live,
      delta.deleted,
      delta.pruned,
      delta.bytes,
      run.finishedAt,
      move?.syncAt ?? null,
      move?.changeAt ?? null,
      run.kind,
      run.startedAt,
      stamped,
      ...names(dataset),
      ...RUN_COUNTS.map((count) => run[count]),
    ]),
  );
}
