import type { RecordsCache } from './cache.js';
import type { PreparedRecord } from './record.js';
import { Run } from './run.js';
import type { Action, Dataset } from './types.js';

interface StoredRow {
  rowid: number;
  seq: number;
  action: Action;
  hash: string;
  raw_hash: string;
  size: number;
  first_seen_at: number;
  deleted_at: number | null;
  pruned_at: number | null;
}

type Outcome = 'added' | 'updated' | 'unchanged';

export const SELECT_STORED = `SELECT rowid, seq, action, hash, raw_hash, size, first_seen_at, deleted_at, pruned_at
  FROM records WHERE dataset_id = ? AND id = ?`;

/** A `save` run: each record is added, updated or found unchanged against what is stored. */
export class SaveRun extends Run {
  constructor(cache: RecordsCache, dataset: Dataset) {
    super(cache, 'save', dataset);
  }

  write(records: readonly PreparedRecord[]): void {
    if (records.length === 0) return;
    this.begin();
    const select = this.cache.statement(SELECT_STORED);
    for (const record of records) this.apply(record, select.get(this.datasetId, record.id) as StoredRow | undefined);
  }

  private apply(record: PreparedRecord, row: StoredRow | undefined): void {
    const duplicate = this.seen.has(record.id);
    if (duplicate) this.summary.duplicates++;
    else this.seen.add(record.id);
    const size = Buffer.byteLength(record.payload);

    if (row === undefined) {
      this.cache
        .statement(
          `INSERT INTO records (dataset_id, id, seq, action, hash, raw_hash, payload, size, first_seen_at, last_modified_at)
           VALUES (?, ?, ?, 'ADDED', ?, ?, ?, ?, ?, ?)`,
        )
        .run(this.datasetId, record.id, this.nextSeq(), record.hash, record.rawHash, record.payload, size, this.time, this.time);
      this.delta.live++;
      this.delta.bytes += size;
      this.count('added', duplicate, false);
      return;
    }

    const changedInRun = row.seq > this.startSeq;
    const storedBytes = row.pruned_at === null ? row.size : 0;
    let outcome: Outcome;
    if (row.deleted_at !== null) {
      outcome = 'added';
      this.replace(row, record, 'ADDED', size, this.time);
      this.delta.live++;
      this.delta.deleted--;
    } else if (row.hash === record.hash || (row.pruned_at === null && row.raw_hash === record.rawHash)) {
      outcome = 'unchanged';
      if (row.pruned_at !== null) {
        this.cache
          .statement('UPDATE records SET payload = ?, raw_hash = ?, size = ?, pruned_at = NULL WHERE rowid = ?')
          .run(record.payload, record.rawHash, size, row.rowid);
      }
    } else {
      // A record this run added stays ADDED however often it appears: readers never saw it before.
      const action = changedInRun && row.action === 'ADDED' ? 'ADDED' : 'UPDATED';
      outcome = action === 'ADDED' ? 'added' : 'updated';
      this.replace(row, record, action, size, row.first_seen_at);
    }
    if (row.pruned_at !== null) this.delta.pruned--;
    if (outcome !== 'unchanged' || row.pruned_at !== null) this.delta.bytes += size - storedBytes;
    this.count(outcome, duplicate, changedInRun);
  }

  private replace(row: StoredRow, record: PreparedRecord, action: Action, size: number, firstSeenAt: number): void {
    this.cache
      .statement(
        `UPDATE records SET seq = ?, action = ?, hash = ?, raw_hash = ?, payload = ?, size = ?,
           first_seen_at = ?, last_modified_at = ?, deleted_at = NULL, pruned_at = NULL
         WHERE rowid = ?`,
      )
      .run(this.nextSeq(), action, record.hash, record.rawHash, record.payload, size, firstSeenAt, this.time, row.rowid);
  }

  /** Each distinct id is counted once, by what the run did to it overall. */
  private count(outcome: Outcome, duplicate: boolean, changedInRun: boolean): void {
    if (!duplicate) {
      this.summary[outcome]++;
    } else if (!changedInRun && outcome !== 'unchanged') {
      this.summary.unchanged--;
      this.summary[outcome]++;
    }
  }
}
