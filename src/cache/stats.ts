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

export interface RunQuery {
  /** Only the newest `limit` runs. */
  limit?: number;
  /** Only runs started at or after this time (ms). */
  since?: number;
}

/** The run history, oldest first; `query` keeps only the newest runs. */
export function runHistory(cache: RecordsCache, dataset?: Partial<Dataset>, query: RunQuery = {}): RunStats[] {
  const { where, params } = narrow(dataset);
  const since = query.since === undefined ? '' : `${where ? ' AND' : 'WHERE'} started_at >= ?`;
  const rows = cache
    .statement(
      `SELECT * FROM (
         SELECT id, kind, integration, connection, model, started_at, finished_at,
           added, updated, unchanged, deleted, unknown, duplicates, rejected, pruned
         FROM runs ${where}${since} ORDER BY id DESC LIMIT ?
       ) ORDER BY id`,
    )
    .all(...params, ...(query.since === undefined ? [] : [query.since]), query.limit ?? -1) as (Omit<RunStats, 'started_at' | 'finished_at'> & {
    id?: number;
    started_at: number;
    finished_at: number;
  })[];
  return rows.map(({ id: _id, ...row }) => ({ ...row, started_at: iso(row.started_at)!, finished_at: iso(row.finished_at)! }));
}
