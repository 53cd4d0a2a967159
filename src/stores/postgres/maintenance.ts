import type pg from 'pg';
import type { Dataset, DatasetMove, DatasetRef, MaintainedDataset, Maintenance, PayloadSelection, RunEntry, SelectedRecord, Stamp } from '../store.js';
import { SELECTED_COLUMNS, selectedRecord } from '../contract/maintenance.js';
import type { Connections } from './connection.js';
import { storeError } from './errors.js';
import { CLEAR_CHECKPOINT } from './checkpoints.js';
import { appendRun } from './history.js';
import { named, names, narrow } from './reads.js';
import { Transaction } from './transaction.js';

/** The latest time stamped in the database: by any dataset's runs, or by prunes and resets (and datasets since expired). */
const LAST_STAMPED = 'SELECT greatest((SELECT max(last_time) FROM rcache.datasets), (SELECT last_time FROM rcache.meta))';

/** `AND` clauses selecting a dataset's records whose payload is still there, by `selection`, with parameters from `params`. */
function selected(selection: PayloadSelection, params: unknown[]): string {
  let sql = ' AND pruned_at IS NULL';
  if (selection.modifiedUpTo !== undefined) {
    params.push(selection.modifiedUpTo);
    sql += ` AND last_modified_at <= $${params.length}`;
  }
  if (selection.positionUpTo !== undefined) {
    params.push(selection.positionUpTo);
    sql += ` AND position <= $${params.length}`;
  }
  return sql;
}

type DatasetRow = [number, string, string, string, number, number, number, number, number, number | null, number | null];

/** Work on whole datasets in one transaction on a connection of its own, holding their row locks unless read-only. */
class PostgresMaintenance implements Maintenance {
  constructor(
    private readonly tx: Transaction,
    readonly datasets: readonly MaintainedDataset[],
    readonly time: number,
    private readonly readonly: boolean,
  ) {}

  private query<R extends unknown[]>(sql: string, params: unknown[]): Promise<R[]> {
    return this.tx.query<R>(sql, params);
  }

  async countRecords(dataset: DatasetRef, selection?: PayloadSelection): Promise<number> {
    const params: unknown[] = [dataset.uid];
    const filter = selection ? selected(selection, params) : '';
    const [[count]] = (await this.query<[number]>(`SELECT count(*) FROM rcache.records WHERE dataset_id = $1${filter}`, params)) as [[number]];
    return count;
  }

  async selectPayloads(dataset: DatasetRef, selection: PayloadSelection, afterPosition: number, limit: number): Promise<SelectedRecord[]> {
    const params: unknown[] = [dataset.uid, afterPosition, limit];
    const rows = await this.query<[number, number, number, string | null]>(
      `SELECT ${SELECTED_COLUMNS} FROM rcache.records
       WHERE dataset_id = $1 AND position > $2${selected(selection, params)} ORDER BY position LIMIT $3`,
      params,
    );
    return rows.map(selectedRecord);
  }

  async dropPayloads(
    dataset: DatasetRef,
    selection: PayloadSelection,
    afterPosition: number,
    throughPosition: number,
    hashes: readonly { rowid: number; hash: string }[],
  ): Promise<void> {
    const params: unknown[] = [
      dataset.uid,
      this.time,
      afterPosition,
      throughPosition,
      JSON.stringify(hashes.map(({ rowid, hash }) => ({ k: rowid, h: hash }))),
    ];
    await this.query(
      `UPDATE rcache.records r SET payload = NULL, pruned_at = $2, hash = coalesce(s.h, r.hash)
       FROM (SELECT d.rowid, x.h FROM rcache.records d LEFT JOIN json_to_recordset($5::json) AS x(k bigint, h text) ON x.k = d.rowid
             WHERE d.dataset_id = $1 AND d.position > $3 AND d.position <= $4${selected(selection, params)}) s
       WHERE r.dataset_id = $1 AND r.rowid = s.rowid`,
      params,
    );
  }

  async clearDataset(dataset: DatasetRef, remove: boolean): Promise<number> {
    const [[count]] = (await this.query<[number]>(
      `WITH gone AS (DELETE FROM rcache.records WHERE dataset_id = $1 RETURNING 1),
         changed AS (${remove ? 'DELETE FROM rcache.datasets' : 'UPDATE rcache.datasets SET generation = generation + 1'} WHERE id = $1),
         horizon AS (
           INSERT INTO rcache.horizons (integration, connection, model, position, at, reason)
           VALUES ($2, $3, $4, nextval('rcache.positions'), $5, $6)
           ON CONFLICT (integration, connection, model) DO UPDATE SET position = excluded.position, at = excluded.at, reason = excluded.reason)
       SELECT count(*) FROM gone`,
      [dataset.uid, ...names(dataset), this.time, remove ? 'expired' : 'reset'],
    )) as [[number]];
    return count;
  }

  async appendRun(dataset: DatasetRef, run: RunEntry, move?: DatasetMove): Promise<void> {
    await this.tx.guard(() => appendRun(this.tx.client, dataset, run, move));
  }

  async clearCheckpoint(dataset: Dataset): Promise<boolean> {
    return (await this.query(CLEAR_CHECKPOINT, [...names(dataset), this.time])).length > 0;
  }

  async commit(): Promise<void> {
    if (!this.readonly) await this.query('UPDATE rcache.meta SET last_time = greatest(last_time, $1)', [this.time]);
    await this.tx.commit(this.readonly);
  }

  abort(): Promise<void> {
    return this.tx.abort();
  }
}

/**
 * Begins work on the datasets matching `filter`, in one transaction: read-only, in one snapshot;
 * else holding each one's row lock, taken in id order, so that it waits for the writers it would
 * disturb (up to the busy timeout).
 */
export async function beginMaintenance(conns: Connections, filter: Partial<Dataset> | undefined, readonly: boolean, stamp: Stamp): Promise<Maintenance> {
  // Read-only work is not queued with the writes: it takes a reader's connection.
  const client = await conns.connect(readonly);
  try {
    if (readonly) await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    else await conns.begin(client);
    const params: unknown[] = [];
    const clauses = narrow(filter, params);
    const { rows } = await client.query<DatasetRow>({
      text: `SELECT id, integration, connection, model, generation, live, deleted, pruned, bytes, last_run_at, last_sync_at
             FROM rcache.datasets ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY id ${readonly ? '' : 'FOR UPDATE'}`,
      values: params,
      rowMode: 'array',
    });
    const datasets = rows.map(([uid, integration, connection, model, generation, live, deleted, pruned, bytes, lastRunAt, lastSyncAt]) => ({
      ...named(integration, connection, model),
      uid,
      generation,
      live,
      deleted,
      pruned,
      bytes,
      lastRunAt,
      lastSyncAt,
    }));
    const last = await client.query<[number]>({ text: LAST_STAMPED, rowMode: 'array' });
    return new PostgresMaintenance(new Transaction(client, conns.where), datasets, stamp(last.rows[0]![0]), readonly);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    client.release(error instanceof Error ? error : true);
    throw storeError(error, conns.where);
  }
}

/**
 * Waits, up to `timeout` ms, until every transaction that began before now has ended, on any
 * database of the server. VACUUM FULL keeps the old versions of rows that its snapshot may not see
 * as gone, and a snapshot spans every database's running writers: a long write elsewhere on the
 * server would otherwise keep the space a prune just freed. Past the wait, it compacts anyway.
 */
async function olderTransactionsEnded(client: pg.PoolClient, timeout: number): Promise<void> {
  const begun = await client.query<[string]>({ text: 'SELECT pg_snapshot_xmax(pg_current_snapshot())::text', rowMode: 'array' });
  const deadline = Date.now() + timeout;
  for (;;) {
    const ended = await client.query<[boolean]>({
      text: 'SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8',
      values: [begun.rows[0]![0]],
      rowMode: 'array',
    });
    if (ended.rows[0]![0] || Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Rewrites the records table so that the space of dropped payloads and rows goes back to the file system; the bytes given back. */
export async function compact(conns: Connections): Promise<number> {
  const client = await conns.connect();
  const size = async () => (await client.query<[number]>({ text: `SELECT pg_total_relation_size('rcache.records')`, rowMode: 'array' })).rows[0]![0];
  try {
    await olderTransactionsEnded(client, conns.busyTimeout);
    const before = await size();
    // It takes the table's exclusive lock: it waits for every run and reader, up to the busy
    // timeout as a writer does, and readers wait for it.
    await client.query(`SET lock_timeout = ${Math.max(1, conns.busyTimeout)}`);
    await client.query('VACUUM FULL rcache.records');
    await client.query('RESET lock_timeout');
    const after = await size();
    client.release();
    return Math.max(0, before - after);
  } catch (error) {
    client.release(true);
    throw storeError(error, conns.where);
  }
}
