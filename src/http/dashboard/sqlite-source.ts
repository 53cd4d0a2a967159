import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordsCache } from '../../cache/cache.js';
import { datasetStats, type RunStats } from '../../cache/stats.js';
import { iso } from '../../cache/time.js';
import type { Dataset } from '../../cache/types.js';
import type { DashboardSource, PageQuery, RunCount, RunQuery, StreamRecord } from './source.js';

// The dashboard's reads over today's SQLite library; the queries the library does not offer
// (newest first, one record by id, the latest runs, counts by outcome) are written here.

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
  // With ids, the unary plus keeps SQLite from walking the position index: looking each id up is far cheaper.
  const seq = query.ids?.length ? '+seq' : 'seq';
  let sql = `SELECT ${COLUMNS} FROM records WHERE dataset_id = @dataset`;
  if (!desc) sql += ` AND ${seq} > @from`;
  else if (query.from > 0) sql += ` AND ${seq} < @from`;
  if (query.to !== undefined) sql += ` AND ${seq} ${desc ? '>=' : '<='} @to`;
  if (query.actions?.length) sql += ' AND action IN (SELECT value FROM json_each(@actions))';
  if (query.ids?.length) sql += ' AND id IN (SELECT value FROM json_each(@ids))';
  if (query.modifiedAfter !== undefined) sql += ' AND last_modified_at >= @modifiedAfter';
  return `${sql} ORDER BY ${seq} ${desc ? 'DESC' : 'ASC'} LIMIT @limit`;
}

export class SqliteSource implements DashboardSource {
  constructor(private readonly cache: RecordsCache) {}

  async database() {
    let size = 0;
    for (const suffix of ['', '-wal']) size += statSync(this.cache.path + suffix, { throwIfNoEntry: false })?.size ?? 0;
    const lastPosition = this.cache.statement('SELECT value FROM sequence').pluck().get() as number;
    return { location: this.cache.path, size, store: 'sqlite' as const, lastPosition };
  }

  async datasets() {
    return datasetStats(this.cache);
  }

  async runs(dataset: Dataset, query: RunQuery): Promise<RunStats[]> {
    const rows = this.cache
      .statement(
        `SELECT kind, integration, connection, model, started_at, finished_at,
           added, updated, unchanged, deleted, unknown, duplicates, rejected, pruned
         FROM runs WHERE integration = ? AND connection = ? AND model = ? AND started_at >= ?
         ORDER BY id DESC LIMIT ?`,
      )
      .all(dataset.integration, dataset.connection, dataset.model, query.since ?? 0, query.limit) as (Omit<RunStats, 'started_at' | 'finished_at'> & { started_at: number; finished_at: number })[];
    return rows.map((row) => ({ ...row, started_at: iso(row.started_at)!, finished_at: iso(row.finished_at)! }));
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
      to: query.to,
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
