import type { RecordsCache } from './cache.js';
import { iso } from './time.js';
import type { Dataset, Summary } from './types.js';

export interface DatasetStats extends Dataset {
  live: number;
  deleted: number;
  pruned: number;
  bytes: number;
  runs: number;
  last_run_at: string | null;
  last_change_at: string | null;
}

export interface RunStats extends Dataset, Summary {
  kind: string;
  started_at: string;
  finished_at: string;
  pruned: number;
}

function narrow(dataset: Partial<Dataset> | undefined): { where: string; params: string[] } {
  const clauses: string[] = [];
  const params: string[] = [];
  for (const key of ['integration', 'connection', 'model'] as const) {
    const value = dataset?.[key];
    if (value !== undefined) {
      clauses.push(`${key} = ?`);
      params.push(value);
    }
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** Per-dataset counts, read from counters kept by every run: no scan of the records. */
export function datasetStats(cache: RecordsCache, dataset?: Partial<Dataset>): DatasetStats[] {
  const { where, params } = narrow(dataset);
  const rows = cache
    .statement(
      `SELECT integration, connection, model, live, deleted, pruned, bytes, runs, last_run_at, last_change_at
       FROM datasets ${where} ORDER BY integration, connection, model`,
    )
    .all(...params) as (Omit<DatasetStats, 'last_run_at' | 'last_change_at'> & { last_run_at: number | null; last_change_at: number | null })[];
  return rows.map((row) => ({ ...row, last_run_at: iso(row.last_run_at), last_change_at: iso(row.last_change_at) }));
}

/** The run history, oldest first. */
export function runHistory(cache: RecordsCache, dataset?: Partial<Dataset>): RunStats[] {
  const { where, params } = narrow(dataset);
  const rows = cache
    .statement(
      `SELECT kind, integration, connection, model, started_at, finished_at,
         added, updated, unchanged, deleted, unknown, duplicates, rejected, pruned
       FROM runs ${where} ORDER BY id`,
    )
    .all(...params) as (Omit<RunStats, 'started_at' | 'finished_at'> & { started_at: number; finished_at: number })[];
  return rows.map((row) => ({ ...row, started_at: iso(row.started_at)!, finished_at: iso(row.finished_at)! }));
}
