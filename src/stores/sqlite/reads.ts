import { isUtf8 } from 'node:buffer';
import { StoreError } from '../../errors.js';
import type { Change, ChangeBytes, ChangePage, Dataset, DatasetCounts, DatasetRef, DatasetRunCount, Horizon, RunCount, RunQuery, RunRecord } from '../store.js';
import { changesAsBytes } from '../change-bytes.js';
import type { Connection } from './connection.js';
import { decodeText, mayBeInexact } from './text.js';

type ChangeRow = [string, string | null, number, Change['action'], number, number, number | null, number | null];

const CHANGE_COLUMNS = 'id, payload, position, action, first_seen_at, last_modified_at, deleted_at, pruned_at';

function toChange(row: ChangeRow): Change {
  return {
    id: row[0],
    payload: row[1],
    position: row[2],
    action: row[3],
    firstSeenAt: row[4],
    lastModifiedAt: row[5],
    deletedAt: row[6],
    prunedAt: row[7],
  };
}

function changesSql(page: ChangePage): string {
  const newest = page.order === 'newest-first';
  // With ids, the unary plus keeps SQLite from walking the position index: looking each id up is far cheaper.
  const position = page.ids?.length ? '+position' : 'position';
  let sql = `SELECT ${CHANGE_COLUMNS} FROM records WHERE dataset_id = @dataset`;
  if (page.after !== undefined) sql += ` AND ${position} > @after`;
  if (page.before !== undefined) sql += ` AND ${position} < @before`;
  if (page.actions?.length) sql += ' AND action IN (SELECT value FROM json_each(@actions))';
  if (page.ids?.length) sql += ' AND id IN (SELECT value FROM json_each(@ids))';
  if (page.modifiedAfter !== undefined) sql += ' AND last_modified_at >= @modifiedAfter';
  return sql + (newest ? ` ORDER BY ${position} DESC` : ` ORDER BY ${position}`) + ' LIMIT @limit';
}

/** `WHERE` narrowing to the datasets matching every field given, with its parameters. */
export function narrow(dataset: Partial<Dataset> | undefined): { where: string; params: string[] } {
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

export function findDataset(conn: Connection, dataset: Dataset): DatasetRef | undefined {
  const row = conn
    .statement('SELECT id, generation FROM datasets WHERE integration = ? AND connection = ? AND model = ?')
    .get(dataset.integration, dataset.connection, dataset.model) as { id: number; generation: number } | undefined;
  return row === undefined ? undefined : { ...dataset, uid: row.id, generation: row.generation };
}

export function findHorizon(conn: Connection, dataset: Dataset): Horizon | undefined {
  return conn
    .statement('SELECT position, at, reason FROM horizons WHERE integration = ? AND connection = ? AND model = ?')
    .get(dataset.integration, dataset.connection, dataset.model) as Horizon | undefined;
}

function checkCurrent(conn: Connection, ref: DatasetRef): void {
  const generation = conn.statement('SELECT generation FROM datasets WHERE id = ?').pluck().get(ref.uid) as number | undefined;
  if (generation === undefined) {
    throw new StoreError('dataset-changed', `the dataset ${ref.model} was expired (all its records deleted) after this reader began`);
  }
  if (generation !== ref.generation)
    throw new StoreError('dataset-changed', `the dataset ${ref.model} was reset (all its records deleted) after this reader began`);
}

function pageParams(ref: DatasetRef, page: ChangePage) {
  return {
    dataset: ref.uid,
    after: page.after,
    before: page.before,
    limit: page.limit,
    actions: page.actions?.length ? JSON.stringify(page.actions) : undefined,
    ids: page.ids?.length ? JSON.stringify(page.ids) : undefined,
    modifiedAfter: page.modifiedAfter,
  };
}

export function readChanges(conn: Connection, ref: DatasetRef, page: ChangePage): Change[] {
  return conn.db
    .transaction(() => {
      checkCurrent(conn, ref);
      // Rows come as arrays: better-sqlite3 builds objects for each row far more slowly than this loop.
      const rows = conn.statement(changesSql(page)).raw(true).all(pageParams(ref, page)) as ChangeRow[];
      const changes = rows.map(toChange);
      for (const change of changes) {
        if (mayBeInexact(change.id)) change.id = exactId(conn, ref, change.position);
      }
      return changes;
    })
    .deferred();
}

type MetaRow = [string, number, Change['action'], number, number, number | null, number | null, number | null];

/**
 * One statement, one pass over the page: the changes without their payloads as one JSON array, and
 * every payload's bytes concatenated in the same order. A row apiece makes better-sqlite3 build a
 * string per payload, which costs more than reading it.
 */
function changeBytesSql(page: ChangePage): string {
  return `SELECT json_group_array(json_array(id, position, action, first_seen_at, last_modified_at, deleted_at, pruned_at, octet_length(payload))),
    CAST(group_concat(payload, '') AS BLOB) FROM (${changesSql(page)})`;
}

export function readChangeBytes(conn: Connection, ref: DatasetRef, page: ChangePage): ChangeBytes[] {
  return conn.db
    .transaction(() => {
      checkCurrent(conn, ref);
      const [meta, bytes] = conn.statement(changeBytesSql(page)).raw(true).get(pageParams(ref, page)) as [string, Buffer | null];
      // Text that is not UTF-8 reads as U+FFFD where it is wrong: such a page is read as text.
      if (bytes !== null && !isUtf8(bytes)) return changesAsBytes(readChanges(conn, ref, page));
      const rows = JSON.parse(meta) as MetaRow[];
      const changes: ChangeBytes[] = new Array(rows.length);
      let start = 0;
      for (let i = 0; i < rows.length; i++) {
        const [id, position, action, firstSeenAt, lastModifiedAt, deletedAt, prunedAt, size] = rows[i]!;
        const end = start + (size ?? 0);
        changes[i] = { id, position, action, firstSeenAt, lastModifiedAt, deletedAt, prunedAt, bytes: size === null ? null : bytes, start, end };
        start = end;
        if (mayBeInexact(id)) changes[i]!.id = exactId(conn, ref, position);
      }
      return changes;
    })
    .deferred();
}

/** The id of the record at `position`, read as bytes. */
function exactId(conn: Connection, ref: DatasetRef, position: number): string {
  const bytes = conn.statement('SELECT CAST(id AS BLOB) FROM records WHERE dataset_id = ? AND position = ?').pluck().get(ref.uid, position) as Buffer;
  return decodeText(bytes);
}

export function readRecord(conn: Connection, ref: DatasetRef, id: string): Change | undefined {
  const row = conn.statement(`SELECT ${CHANGE_COLUMNS} FROM records WHERE dataset_id = ? AND id = ?`).raw(true).get(ref.uid, id) as ChangeRow | undefined;
  // The row holds the id as it was bound, which is the one asked for.
  return row === undefined ? undefined : { ...toChange(row), id };
}

/**
 * The number of the latest run, plus the writes made alone (meta.checkpoint_writes: checkpoints
 * and schemas): every commit that changes anything appends a run or counts such a write.
 */
export function lastRun(conn: Connection): number {
  return conn.statement('SELECT (SELECT coalesce(max(number), 0) FROM runs) + checkpoint_writes FROM meta WHERE id = 1').pluck().get() as number;
}

export function datasets(conn: Connection, filter?: Partial<Dataset>): DatasetCounts[] {
  const { where, params } = narrow(filter);
  return conn
    .statement(
      `SELECT integration, connection, model, live, deleted, pruned, bytes, runs, last_run_at AS lastRunAt, last_change_at AS lastChangeAt
       FROM datasets ${where} ORDER BY integration, connection, model`,
    )
    .all(...params) as DatasetCounts[];
}

export function runs(conn: Connection, query: RunQuery): RunRecord[] {
  const { where, params } = narrow(query.dataset);
  let sql = `SELECT number, kind, integration, connection, model, started_at AS startedAt, finished_at AS finishedAt,
       added, updated, unchanged, deleted, unknown, duplicates, rejected, pruned
     FROM runs ${where}`;
  const values: (string | number)[] = [...params];
  if (query.since !== undefined) {
    sql += `${where ? ' AND' : ' WHERE'} started_at >= ?`;
    values.push(query.since);
  }
  if (query.after !== undefined) {
    sql += `${values.length ? ' AND' : ' WHERE'} number > ?`;
    values.push(query.after);
  }
  sql += query.order === 'newest-first' ? ' ORDER BY number DESC' : ' ORDER BY number';
  if (query.limit !== undefined) {
    sql += ' LIMIT ?';
    values.push(query.limit);
  }
  return conn.statement(sql).all(...values) as RunRecord[];
}

export function runCounts(conn: Connection): RunCount[] {
  return conn
    .statement(
      `SELECT kind, CASE WHEN rejected > 0 THEN 'rejected'
           WHEN added + updated + deleted + pruned > 0 THEN 'changed' ELSE 'unchanged' END AS outcome,
         count(*) AS count
       FROM runs GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .all() as RunCount[];
}

export function datasetRunCounts(conn: Connection): DatasetRunCount[] {
  return conn
    .statement(
      `SELECT integration, connection, model, kind, CASE WHEN rejected > 0 THEN 'rejected'
           WHEN added + updated + deleted + pruned > 0 THEN 'changed' ELSE 'unchanged' END AS outcome,
         count(*) AS count
       FROM runs GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
    )
    .all() as DatasetRunCount[];
}
