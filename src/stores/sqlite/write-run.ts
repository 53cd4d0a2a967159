import type { Statement } from 'better-sqlite3';
import type { DatasetMove, DatasetRef, RunEntry, StoredCheckpoint, StoredRecord, WriteOp, WriteRun } from '../store.js';
import { readCheckpoint, storeCheckpoint } from './checkpoints.js';
import type { Connection } from './connection.js';
import { appendRun } from './history.js';
import { decodeText, mayBeInexact } from './text.js';
import { Transaction } from './transaction.js';

const STORED_COLUMNS = 'rowid, id, position, action, hash, raw_hash, size, first_seen_at, deleted_at, pruned_at';

const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

type StoredRow = [number, string, number, StoredRecord['action'], string, string, number, number, number | null, number | null];

/** A run holds SQLite's one write lock (BEGIN IMMEDIATE) from its start: positions are taken in commit order. */
export class SqliteWriteRun implements WriteRun {
  private position: number;
  private readonly tx: Transaction;

  constructor(
    private readonly conn: Connection,
    readonly dataset: DatasetRef,
    readonly time: number,
    readonly startPosition: number,
    readonly emptyAtStart: boolean,
    readonly liveAtStart: number,
  ) {
    this.position = startPosition;
    this.tx = new Transaction(conn, 'write');
  }

  private statement(sql: string): Statement {
    return this.conn.statement(sql);
  }

  async lookup(ids: readonly string[]): Promise<Map<string, StoredRecord>> {
    const found = new Map<string, StoredRecord>();
    if (ids.length === 0) return found;
    // Ids that JSON writes with escapes (quotes, control characters, lone surrogates) are looked up
    // one by one: json_each would decode them into other text than the one bound on insert.
    const plain: string[] = [];
    const escaped: string[] = [];
    for (const id of ids) (NEEDS_ESCAPE.test(id) ? escaped : plain).push(id);
    const toRecord = ([rowid, id, position, action, hash, rawHash, size, firstSeenAt, deletedAt, prunedAt]: StoredRow): StoredRecord => ({
      rowid,
      id,
      position,
      action,
      hash,
      rawHash,
      size,
      firstSeenAt,
      deletedAt,
      prunedAt,
    });
    this.tx.run(() => {
      if (plain.length > 0) {
        const rows = this.statement(`SELECT ${STORED_COLUMNS} FROM records WHERE dataset_id = ? AND id IN (SELECT value FROM json_each(?))`)
          .raw(true)
          .all(this.dataset.uid, JSON.stringify(plain)) as StoredRow[];
        for (const row of rows) found.set(row[1], toRecord(row));
      }
      const one = this.statement(`SELECT ${STORED_COLUMNS} FROM records WHERE dataset_id = ? AND id = ?`).raw(true);
      for (const id of escaped) {
        const row = one.get(this.dataset.uid, id) as StoredRow | undefined;
        // Keyed by the id asked for: a lone surrogate does not read back as it was written.
        if (row !== undefined) found.set(id, { ...toRecord(row), id });
      }
    });
    return found;
  }

  async payloads(rowids: readonly number[]): Promise<Map<number, string | null>> {
    const found = new Map<number, string | null>();
    const select = this.statement('SELECT payload FROM records WHERE rowid = ?').pluck();
    this.tx.run(() => {
      for (const rowid of rowids) found.set(rowid, select.get(rowid) as string | null);
    });
    return found;
  }

  async write(ops: readonly WriteOp[]): Promise<(number | undefined)[]> {
    const rowids: (number | undefined)[] = [];
    const { uid } = this.dataset;
    const time = this.time;
    const insert = this.statement(
      `INSERT INTO records (dataset_id, id, position, action, hash, raw_hash, payload, size, first_seen_at, last_modified_at)
       VALUES (?, ?, ?, 'ADDED', ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, id) DO NOTHING`,
    );
    this.tx.run(() => {
      for (const op of ops) {
        switch (op.op) {
          case 'insert': {
            const { changes, lastInsertRowid } = insert.run(uid, op.id, this.position + 1, op.hash, op.rawHash, op.payload, op.size, time, time);
            if (changes === 0) {
              rowids.push(undefined);
            } else {
              this.position++;
              rowids.push(Number(lastInsertRowid));
            }
            break;
          }
          case 'replace':
            this.statement(
              `UPDATE records SET position = ?, action = ?, hash = ?, raw_hash = ?, payload = ?, size = ?,
                 first_seen_at = ?, last_modified_at = ?, deleted_at = NULL, pruned_at = NULL
               WHERE rowid = ?`,
            ).run(++this.position, op.action, op.hash, op.rawHash, op.payload, op.size, op.firstSeenAt, time, op.rowid);
            break;
          case 'restore':
            this.statement('UPDATE records SET payload = ?, raw_hash = ?, size = ?, pruned_at = NULL WHERE rowid = ?').run(
              op.payload,
              op.rawHash,
              op.size,
              op.rowid,
            );
            break;
          case 'delete':
            this.statement(`UPDATE records SET position = ?, action = 'DELETED', deleted_at = ?, last_modified_at = ? WHERE rowid = ?`).run(
              ++this.position,
              time,
              time,
              op.rowid,
            );
            break;
        }
      }
    });
    return rowids;
  }

  async untouchedLive(afterRowid: number, limit: number): Promise<{ rowid: number; id: string }[]> {
    return this.tx.run(() => {
      const rows = this.statement(
        'SELECT rowid, id FROM records WHERE dataset_id = ? AND deleted_at IS NULL AND rowid > ? AND position <= ? ORDER BY rowid LIMIT ?',
      ).all(this.dataset.uid, afterRowid, this.startPosition, limit) as { rowid: number; id: string }[];
      for (const row of rows) {
        if (mayBeInexact(row.id)) row.id = decodeText(this.statement('SELECT CAST(id AS BLOB) FROM records WHERE rowid = ?').pluck().get(row.rowid) as Buffer);
      }
      return rows;
    });
  }

  async commit(run: RunEntry, move: DatasetMove, checkpoint?: string): Promise<void> {
    this.tx.commit(() => {
      if (this.position > this.startPosition) this.statement('UPDATE positions SET last_value = ? WHERE id = 1').run(this.position);
      appendRun(this.conn, this.dataset, run, move, this.time);
      if (checkpoint !== undefined) storeCheckpoint(this.conn, this.dataset, checkpoint, run.finishedAt);
    });
  }

  async readCheckpoint(): Promise<StoredCheckpoint> {
    return this.tx.run(() => readCheckpoint(this.conn, this.dataset));
  }

  async abort(): Promise<void> {
    this.tx.end();
  }
}
