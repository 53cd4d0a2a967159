import { statSync } from 'node:fs';
import type { Dataset, DatasetMove, DatasetRef, MaintainedDataset, Maintenance, PayloadSelection, RunEntry, SelectedRecord } from '../store.js';
import { SELECTED_COLUMNS, selectedRecord } from '../contract/maintenance.js';
import type { Connection } from './connection.js';
import { clearCheckpoint } from './checkpoints.js';
import { appendRun } from './history.js';
import { narrow } from './reads.js';
import { Transaction } from './transaction.js';

/** `AND` clauses selecting a dataset's records whose payload is still there, by `selection`. */
function selected(selection: PayloadSelection): string {
  let sql = ' AND pruned_at IS NULL';
  if (selection.modifiedUpTo !== undefined) sql += ' AND last_modified_at <= @modifiedUpTo';
  if (selection.positionUpTo !== undefined) sql += ' AND position <= @positionUpTo';
  return sql;
}

/** The datasets matching `filter`, as maintenance looks at them; inside a transaction. */
export function maintainedDatasets(
  conn: Connection,
  filter: Partial<{ integration: string; connection: string; model: string }> | undefined,
): MaintainedDataset[] {
  const { where, params } = narrow(filter);
  const rows = conn
    .statement(
      `SELECT id AS uid, integration, connection, model, generation, live, deleted, pruned, bytes, last_run_at AS lastRunAt, last_sync_at AS lastSyncAt
       FROM datasets ${where} ORDER BY id`,
    )
    .all(...params);
  return rows as MaintainedDataset[];
}

/** Work on whole datasets in one transaction of the connection, which holds SQLite's one write lock unless read-only. */
export class SqliteMaintenance implements Maintenance {
  private readonly tx: Transaction;

  constructor(
    private readonly conn: Connection,
    readonly datasets: readonly MaintainedDataset[],
    readonly time: number,
    private readonly readonly: boolean,
  ) {
    this.tx = new Transaction(conn, readonly ? 'read' : 'write');
  }

  private run<T>(work: () => T): T {
    return this.tx.run(work);
  }

  async countRecords(dataset: DatasetRef, selection?: PayloadSelection): Promise<number> {
    return this.run(
      () =>
        this.conn
          .statement(`SELECT count(*) FROM records WHERE dataset_id = @dataset${selection ? selected(selection) : ''}`)
          .pluck()
          .get({ dataset: dataset.uid, ...selection }) as number,
    );
  }

  async selectPayloads(dataset: DatasetRef, selection: PayloadSelection, afterPosition: number, limit: number): Promise<SelectedRecord[]> {
    const rows = this.run(
      () =>
        this.conn
          .statement(
            `SELECT ${SELECTED_COLUMNS}
             FROM records WHERE dataset_id = @dataset AND position > @after${selected(selection)} ORDER BY position LIMIT @limit`,
          )
          .raw(true)
          .all({ dataset: dataset.uid, after: afterPosition, limit, ...selection }) as [number, number, number, string | null][],
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
    this.run(() => {
      // A record gets its hash as its payload goes: a row that grew first could split its page.
      const drop = this.conn.statement('UPDATE records SET hash = ?, payload = NULL, pruned_at = ? WHERE rowid = ?');
      for (const { rowid, hash } of hashes) drop.run(hash, this.time, rowid);
      this.conn
        .statement(
          `UPDATE records SET payload = NULL, pruned_at = @at WHERE dataset_id = @dataset AND position > @after AND position <= @through${selected(selection)}`,
        )
        .run({ at: this.time, dataset: dataset.uid, after: afterPosition, through: throughPosition, ...selection });
    });
  }

  async clearDataset(dataset: DatasetRef, remove: boolean): Promise<number> {
    return this.run(() => {
      const { changes } = this.conn.statement('DELETE FROM records WHERE dataset_id = ?').run(dataset.uid);
      if (remove) this.conn.statement('DELETE FROM datasets WHERE id = ?').run(dataset.uid);
      else this.conn.statement('UPDATE datasets SET generation = generation + 1 WHERE id = ?').run(dataset.uid);
      const position = this.conn.statement('UPDATE positions SET last_value = last_value + 1 WHERE id = 1 RETURNING last_value').pluck().get() as number;
      this.conn
        .statement(
          `INSERT INTO horizons (integration, connection, model, position, at, reason) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (integration, connection, model) DO UPDATE SET position = excluded.position, at = excluded.at, reason = excluded.reason`,
        )
        .run(dataset.integration, dataset.connection, dataset.model, position, this.time, remove ? 'expired' : 'reset');
      return changes;
    });
  }

  async appendRun(dataset: DatasetRef, run: RunEntry, move?: DatasetMove): Promise<void> {
    this.run(() => appendRun(this.conn, dataset, run, move));
  }

  async clearCheckpoint(dataset: Dataset): Promise<boolean> {
    return this.run(() => clearCheckpoint(this.conn, dataset, this.time));
  }

  async commit(): Promise<void> {
    this.tx.commit(() => {
      if (!this.readonly) this.conn.statement('UPDATE meta SET last_time = max(last_time, ?) WHERE id = 1').run(this.time);
    });
  }

  async abort(): Promise<void> {
    this.tx.end();
  }
}

/** Rewrites the file without its free space; the bytes given back to the file system. */
export function compact(conn: Connection): number {
  const { path } = conn;
  return conn.guard('write', () => {
    const size = () => (statSync(path, { throwIfNoEntry: false })?.size ?? 0) + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    conn.db.pragma('wal_checkpoint(TRUNCATE)');
    const before = size();
    conn.db.exec('VACUUM');
    conn.db.pragma('wal_checkpoint(TRUNCATE)');
    return Math.max(0, before - size());
  });
}
