import { InputError } from '../errors.js';
import type { RecordsCache } from './cache.js';
import { IgnoreFields, digest } from './canonical.js';
import { DEFERRED_HASH, likelyId, prepareRecord, storedPayloadHash, type PreparedRecord } from './record.js';
import { RowSet } from './row-set.js';
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

/** What a run learned of a batch of lines before they were parsed, for applying them later in order. */
export interface Precheck {
  texts: readonly string[];
  /** The raw hash of each line that has a stored record to compare with; the others get theirs when prepared. */
  rawHashes: (string | undefined)[];
  guesses: (string | undefined)[];
  rows: (StoredRow | undefined)[];
  /** Lines that must be prepared: those not identical to the line their live record was saved from. */
  pending: number[];
  /** For each pending line: whether a stored record's hash will be compared with its hash. */
  compared: boolean[];
  /** Ids whose stored record this run changed after the precheck: what was learned of them is stale. */
  changed: Set<string>;
}

const STORED_COLUMNS = 'rowid, seq, action, hash, raw_hash, size, first_seen_at, deleted_at, pruned_at';
const SELECT_STORED = `SELECT ${STORED_COLUMNS} FROM records WHERE dataset_id = ? AND id = ?`;
const SELECT_STORED_MANY = `SELECT ${STORED_COLUMNS}, id FROM records WHERE dataset_id = ? AND id IN (SELECT value FROM json_each(?))`;

export interface SaveOptions {
  /** The input is the dataset's complete current set: live records missing from it are deleted. */
  fullRefresh?: boolean;
  /** Let an empty input delete every record in a full refresh. */
  allowEmpty?: boolean;
}

/** A `save` run: each record is added, updated or found unchanged against what is stored. */
export class SaveRun extends Run {
  /** True when a full refresh did not look for deletions because some input lines were rejected. */
  deletionSkipped = false;
  private readonly openChecks = new Set<Precheck>();
  /** The records this run has met, by row: which lines repeat an id, and which records a full refresh keeps. */
  private readonly met = new RowSet();

  constructor(
    cache: RecordsCache,
    dataset: Dataset,
    private readonly options: SaveOptions = {},
    private readonly ignore = new IgnoreFields(),
  ) {
    super(cache, 'save', dataset);
  }

  write(records: readonly PreparedRecord[]): void {
    if (records.length === 0) return;
    this.begin();
    for (const record of records) this.apply(record, this.stored(record.id));
  }

  /**
   * First half of saving a batch of lines: finds the lines identical to what is stored, so that only
   * the others need preparing (parse and canonical hash), which may happen on another thread.
   */
  precheck(texts: readonly string[]): Precheck {
    this.begin();
    const check: Precheck = { texts, rawHashes: [], guesses: [], rows: [], pending: [], compared: [], changed: new Set() };
    const guesses = texts.map(likelyId);
    const found = this.storedMany(guesses);
    texts.forEach((text, i) => {
      const guess = guesses[i];
      const row = guess === undefined ? undefined : found.get(guess);
      const rawHash = row === undefined ? undefined : digest(text);
      check.rawHashes.push(rawHash);
      check.guesses.push(guess);
      check.rows.push(row);
      if (row === undefined || row.raw_hash !== rawHash || row.deleted_at !== null || row.pruned_at !== null) {
        check.pending.push(i);
        check.compared.push(row !== undefined && row.deleted_at === null);
      }
    });
    this.openChecks.add(check);
    return check;
  }

  /** Second half: applies line `i` of a prechecked batch; lines are applied in input order. */
  applyChecked(check: Precheck, i: number, prepared: PreparedRecord | undefined): void {
    const guess = check.guesses[i];
    if (prepared === undefined) {
      if (!check.changed.has(guess!)) {
        const row = check.rows[i]!;
        this.countOutcome('unchanged', this.meet(row.rowid), row.seq > this.startSeq);
        return;
      }
      prepared = prepareRecord(check.texts[i]!, this.ignore, { rawHash: check.rawHashes[i], deferHash: true });
    }
    const fresh = prepared.id === guess && !check.changed.has(prepared.id);
    this.apply(prepared, fresh ? check.rows[i] : this.stored(prepared.id));
  }

  /** Ends a prechecked batch once all its lines are applied. */
  release(check: Precheck): void {
    this.openChecks.delete(check);
  }

  private stored(id: string): StoredRow | undefined {
    // An initial load looks nothing up: an id is stored only if this run saved it, and then
    // inserting it again finds it (see apply).
    if (this.emptyAtStart) return undefined;
    return this.cache.statement(SELECT_STORED).get(this.datasetId, id) as StoredRow | undefined;
  }

  /**
   * The stored records of many ids in one statement, several times faster than a lookup each. Keyed
   * by the ids as stored: a line whose id is not found is taken as new, and its insert (see
   * apply) finds the record if it is stored after all.
   */
  private storedMany(ids: (string | undefined)[]): Map<string, StoredRow> {
    const found = new Map<string, StoredRow>();
    if (this.emptyAtStart) return found;
    const wanted = ids.filter((id) => id !== undefined);
    if (wanted.length === 0) return found;
    const rows = this.cache.statement(SELECT_STORED_MANY).raw(true).all(this.datasetId, JSON.stringify(wanted)) as unknown[][];
    for (const [rowid, seq, action, hash, raw_hash, size, first_seen_at, deleted_at, pruned_at, id] of rows) {
      found.set(id as string, { rowid, seq, action, hash, raw_hash, size, first_seen_at, deleted_at, pruned_at } as StoredRow);
    }
    return found;
  }

  private apply(record: PreparedRecord, row: StoredRow | undefined): void {
    for (const check of this.openChecks) check.changed.add(record.id);
    const size = Buffer.byteLength(record.payload);

    if (row === undefined) {
      if (this.insert(record, size)) {
        this.countOutcome('added', false, false);
        return;
      }
      // Only in an initial load, which looks nothing up: an id this run has saved already.
      row = this.cache.statement(SELECT_STORED).get(this.datasetId, record.id) as StoredRow;
    }
    const duplicate = this.meet(row.rowid);
    const changedInRun = row.seq > this.startSeq;
    const storedBytes = row.pruned_at === null ? row.size : 0;
    let outcome: Outcome;
    if (row.deleted_at !== null) {
      outcome = 'added';
      this.replace(row, record, 'ADDED', size, this.time);
      this.delta.live++;
      this.delta.deleted--;
    } else if (this.sameContent(row, record)) {
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
    this.countOutcome(outcome, duplicate, changedInRun);
  }

  /** Whether a record's content is the stored one; hashes that were deferred are computed only when the texts differ. */
  private sameContent(row: StoredRow, record: PreparedRecord): boolean {
    if (row.pruned_at === null && row.raw_hash === record.rawHash) return true;
    const stored =
      row.hash === DEFERRED_HASH
        ? storedPayloadHash(this.cache.statement('SELECT payload FROM records WHERE rowid = ?').pluck().get(row.rowid) as string)
        : row.hash;
    record.hash ??= prepareRecord(record.payload, this.ignore).hash!;
    return stored === record.hash;
  }

  /** Notes that a line named the record in `rowid`; true when an earlier line of this run did. */
  private meet(rowid: number): boolean {
    return this.met.add(rowid) ? false : this.seeAgain();
  }

  /** Adds a new record; false when its id is stored already (an id repeated in an initial load). */
  private insert(record: PreparedRecord, size: number): boolean {
    const { changes, lastInsertRowid } = this.cache
      .statement(
        `INSERT INTO records (dataset_id, id, seq, action, hash, raw_hash, payload, size, first_seen_at, last_modified_at)
         VALUES (?, ?, ?, 'ADDED', ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, id) DO NOTHING`,
      )
      .run(this.datasetId, record.id, this.peekSeq(), record.hash ?? DEFERRED_HASH, record.rawHash, record.payload, size, this.time, this.time);
    if (changes === 0) return false;
    this.nextSeq();
    this.met.add(Number(lastInsertRowid));
    this.delta.live++;
    this.delta.bytes += size;
    return true;
  }

  /** Deletion detection: every live record the input did not name is soft-deleted, in this run. */
  protected override finish(): void {
    if (!this.options.fullRefresh) return;
    // A rejected line may have been a live record: deleting it would lose data.
    if (this.summary.rejected > 0) {
      this.deletionSkipped = true;
      return;
    }
    // Each distinct id counts once among added, updated and unchanged.
    const distinct = this.summary.added + this.summary.updated + this.summary.unchanged;
    if (distinct === 0 && !this.options.allowEmpty) {
      const live = this.cache.statement('SELECT live FROM datasets WHERE id = ?').pluck().get(this.datasetId) as number;
      throw new InputError(
        `the input is empty: a full refresh would delete all ${live} live records of ${this.dataset.model}; pass --allow-empty to allow that`,
      );
    }
    // After an initial load every live record is one this input named.
    if (this.emptyAtStart) return;
    // One pass to find them (a statement being read cannot be written through), then the writes.
    const missing: number[] = [];
    const live = this.cache.statement('SELECT rowid FROM records WHERE dataset_id = ? AND deleted_at IS NULL ORDER BY rowid').pluck();
    for (const rowid of live.iterate(this.datasetId) as Iterable<number>) if (!this.met.has(rowid)) missing.push(rowid);
    for (const rowid of missing) this.markDeleted(rowid);
  }

  private replace(row: StoredRow, record: PreparedRecord, action: Action, size: number, firstSeenAt: number): void {
    this.cache
      .statement(
        `UPDATE records SET seq = ?, action = ?, hash = ?, raw_hash = ?, payload = ?, size = ?,
           first_seen_at = ?, last_modified_at = ?, deleted_at = NULL, pruned_at = NULL
         WHERE rowid = ?`,
      )
      .run(this.nextSeq(), action, record.hash ?? DEFERRED_HASH, record.rawHash, record.payload, size, firstSeenAt, this.time, row.rowid);
  }
}
