import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordsCache } from '../../cache/cache.js';
import { datasetStats, runHistory, type RunStats } from '../../cache/stats.js';
import type { Dataset } from '../../cache/types.js';
import type { DashboardSource, PageQuery, RunCount, StreamRecord } from './source.js';

// The dashboard's reads over today's SQLite library; the queries the library does not offer
// (newest first, one record by id, counts by outcome) are written here.

const POLL_MS = 250;

type Row = [string, number, StreamRecord['action'], string | null, number, number, number, number | null, number | null];

const COLUMNS = 'id, seq, action, payload, size, first_seen_at, last_modified_at, deleted_at, pruned_at';

function streamRecord(row: Row): StreamRecord {
  return {
    id: row[0],
    seq: row[1],
    action: row[2],
    payload: row[3],
    size: row[4],
    firstSeenAt: row[5],
    lastModifiedAt: row[6],
    deletedAt: row[7],
    prunedAt: row[8],
  };
}

function pageSql(query: PageQuery): string {
  const desc = query.order === 'desc';
  let sql = `SELECT ${COLUMNS} FROM records WHERE dataset_id = @dataset`;
  if (!desc) sql += ' AND seq > @from';
  else if (query.from > 0) sql += ' AND seq < @from';
  if (query.actions?.length) sql += ' AND action IN (SELECT value FROM json_each(@actions))';
  if (query.ids?.length) sql += ' AND id IN (SELECT value FROM json_each(@ids))';
  if (query.modifiedAfter !== undefined) sql += ' AND last_modified_at >= @modifiedAfter';
  return `${sql} ORDER BY seq ${desc ? 'DESC' : 'ASC'} LIMIT @limit`;
}

export class SqliteSource implements DashboardSource {
  constructor(private readonly cache: RecordsCache) {}

  async database() {
    let size = 0;
    for (const suffix of ['', '-wal']) size += statSync(this.cache.path + suffix, { throwIfNoEntry: false })?.size ?? 0;
    return { location: this.cache.path, size, store: 'sqlite' as const };
  }

  async datasets() {
    return datasetStats(this.cache);
  }

  async runs(dataset: Dataset, query: { limit: number; since?: number }): Promise<RunStats[]> {
    const since = query.since === undefined ? undefined : new Date(query.since).toISOString();
    const runs = runHistory(this.cache, dataset).filter((run) => since === undefined || run.started_at >= since);
    return runs.slice(-query.limit).reverse();
  }

  async runCounts(): Promise<RunCount[]> {
    return this.cache
      .statement(
        `SELECT kind, CASE WHEN rejected > 0 THEN 'rejected'
             WHEN added + updated + deleted + pruned > 0 THEN 'changed' ELSE 'unchanged' END AS outcome,
           count(*) AS count
         FROM runs GROUP BY 1, 2 ORDER BY 1, 2`,
      )
      .all() as RunCount[];
  }

  async page(dataset: Dataset, query: PageQuery): Promise<StreamRecord[]> {
    const datasetId = this.cache.datasetId(dataset);
    if (datasetId === undefined) return [];
    const rows = this.cache.statement(pageSql(query)).raw(true).all({
      dataset: datasetId,
      from: query.from,
      limit: query.limit,
      actions: query.actions?.length ? JSON.stringify(query.actions) : undefined,
      ids: query.ids?.length ? JSON.stringify(query.ids) : undefined,
      modifiedAfter: query.modifiedAfter,
    }) as Row[];
    return rows.map(streamRecord);
  }

  async record(dataset: Dataset, id: string): Promise<StreamRecord | undefined> {
    const datasetId = this.cache.datasetId(dataset);
    if (datasetId === undefined) return undefined;
    const row = this.cache.statement(`SELECT ${COLUMNS} FROM records WHERE dataset_id = ? AND id = ?`).raw(true).get(datasetId, id) as Row | undefined;
    return row && streamRecord(row);
  }

  /** Every commit takes sequence positions or records a run, or both. */
  async version(): Promise<string> {
    const [seq, run] = this.cache
      .statement('SELECT (SELECT value FROM sequence), (SELECT coalesce(max(id), 0) FROM runs)')
      .raw(true)
      .get() as [number, number];
    return `${seq}.${run}`;
  }

  async waitForCommit(after: string, signal: AbortSignal): Promise<string> {
    for (;;) {
      const version = await this.version();
      if (version !== after) return version;
      await sleep(POLL_MS, undefined, { signal });
    }
  }
}
