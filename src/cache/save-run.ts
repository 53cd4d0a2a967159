import { planRefresh } from '../decisions/outcome.js';
import { rawDigestAgainst } from '../decisions/raw-hash.js';
import { DEFERRED_HASH, likelyId, prepareRecord, RecordError, type PreparedRecord } from '../decisions/record.js';
import { EmptyRefreshError, InputError } from '../errors.js';
import type { Dataset, Store, StoredRecord, WriteRun } from '../stores/store.js';
import { BatchWrites, type Written } from './batch-writes.js';
import { checkDeletions, DEFAULT_DELETE_LIMIT, deleteRows, unnamedLive, type DeleteLimit } from './guard.js';
import type { LineRules, ReadyRules } from './line-rules.js';
import { SaveDecisions } from './save-decisions.js';

/** What a run learned of a batch of lines before they were parsed, for applying them later in order. */
export interface Check {
  texts: readonly string[];
  /** The raw hash of each line that has a stored record to compare with; the others get theirs when prepared. */
  rawHashes: (string | undefined)[];
  guesses: (string | undefined)[];
  rows: (StoredRecord | undefined)[];
  /** Lines that must be prepared: those not identical to the line their live record was saved from. */
  pending: number[];
  /** For each pending line: whether a stored record's hash will be compared with its hash. */
  compared: boolean[];
  /** Batches the run had applied when it looked these lines up: later writes are not in `rows`. */
  after: number;
  /**
   * The payloads of stored records whose hash was deferred and which a pending line differs from,
   * by row: the line is compared with the payload's hash, which the thread that prepares the line
   * can compute (into `storedHashes`, by row) while this one goes on.
   */
  payloads: Map<number, string | null>;
  storedHashes: Map<number, string>;
}

export interface SaveRunOptions {
  /** The input is the dataset's complete current set: live records missing from it are deleted. */
  fullRefresh?: boolean;
  /** Let an empty input delete every record in a full refresh. */
  allowEmpty?: boolean;
  /** How many live records a full refresh may delete (default: half of them). */
  maxDelete?: DeleteLimit;
}

/** Rejects line `index` of the batch being applied, as a bad line of the input is. */
export type RejectLine = (index: number, reason: string) => void;

/** A line of a checked batch to apply: its index in the batch, and the record, unless the check found it identical to what is stored. */
export interface Entry {
  index: number;
  record: PreparedRecord | undefined;
}

/** A `save` run: each record is added, updated or found unchanged against what is stored (SPEC §2). */
export class SaveRun extends SaveDecisions {
  /** True when a full refresh did not look for deletions because some input lines were rejected. */
  deletionSkipped = false;
  /** Of a full refresh that looked for deletions: the dataset's live records when it began. */
  liveBefore: number | undefined;
  /** Checks made and not yet applied: what they looked up may be older than this run's later writes. */
  private readonly unapplied = new Set<Check>();
  /**
   * Records written by earlier batches whose ids a check not yet applied guessed before the write:
   * the row that check found is stale. Only those are kept; any other id is looked up afresh.
   */
  private carried = new Map<string, Written>();

  constructor(
    store: Store,
    dataset: Dataset,
    private readonly options: SaveRunOptions,
    lines: { rules: LineRules; ready: ReadyRules },
    now: () => number,
  ) {
    super(store, dataset, lines, now);
  }

  /**
   * First half of saving a batch of lines: finds the lines identical to what is stored, so that only
   * the others need preparing (parse and canonical hash), which may happen on another thread.
   */
  async check(texts: readonly string[], signal?: AbortSignal): Promise<Check> {
    const run = (await this.begin(signal))!;
    const check: Check = {
      texts,
      rawHashes: [],
      guesses: [],
      rows: [],
      pending: [],
      compared: [],
      after: this.applied,
      payloads: new Map(),
      storedHashes: new Map(),
    };
    const guesses = texts.map(likelyId);
    // An initial load looks nothing up: an id is stored only if this run saved it, and then
    // inserting it again finds it (see flush).
    const found = run.emptyAtStart ? undefined : await run.lookup(guesses.filter((guess) => guess !== undefined));
    const deferred: number[] = [];
    texts.forEach((text, i) => {
      const guess = guesses[i];
      const row = guess === undefined ? undefined : found?.get(guess);
      const rawHash = row === undefined ? undefined : rawDigestAgainst(text, this.ignore, row.rawHash);
      check.rawHashes.push(rawHash);
      check.guesses.push(guess);
      check.rows.push(row);
      if (row === undefined || row.rawHash !== rawHash || row.deletedAt !== null || row.prunedAt !== null) {
        check.pending.push(i);
        check.compared.push(row !== undefined && row.deletedAt === null);
        if (row !== undefined && this.hashDeferred(row, run) && row.rawHash !== rawHash) deferred.push(row.rowid);
      }
    });
    if (deferred.length > 0) check.payloads = await run.payloads(deferred);
    this.unapplied.add(check);
    return check;
  }

  /** Saves records prepared by the caller, as one batch. */
  async write(records: readonly PreparedRecord[], signal?: AbortSignal): Promise<void> {
    if (records.length === 0) return;
    const check = await this.check(
      records.map((record) => record.payload),
      signal,
    );
    await this.apply(
      check,
      records.map((record, index) => ({ index, record })),
    );
  }

  /**
   * Second half: applies lines of a checked batch, in input order. `record` is the prepared line,
   * or undefined for a line the check found identical to its stored record. A line found bad only
   * now (its version cannot be compared with the stored one) goes to `reject`.
   */
  async apply(check: Check, entries: readonly Entry[], reject: RejectLine = refuse): Promise<void> {
    const run = this.run!;
    this.unapplied.delete(check);
    this.storedHashes = check.storedHashes;
    const carried = this.carried;
    const elsewhere = await this.lookupElsewhere(run, check, entries);
    const payloads = await this.storedPayloads(run, check, entries, elsewhere);

    const writes = new BatchWrites();
    const { byId } = writes;
    for (const { index, record: prepared } of entries) {
      const guess = check.guesses[index];
      let record = prepared;
      if (record === undefined) {
        if (!byId.has(guess!) && !(carried.size > 0 && carried.has(guess!))) {
          const row = check.rows[index]!;
          if (this.changedSince(row, run)) this.skip(row, run);
          else this.count('unchanged', this.isDuplicate(row, run), row.position > run.startPosition);
          continue;
        }
        // Identical to the record as it was looked up, but this run has changed it since.
        try {
          record = prepareRecord(check.texts[index]!, this.ignore, { rawHash: check.rawHashes[index], deferHash: true, ...this.lines.ready.checks });
        } catch (error) {
          if (!(error instanceof RecordError)) throw error;
          reject(index, error.message);
          continue;
        }
      }
      const stored =
        byId.get(record.id) ?? (carried.size > 0 ? carried.get(record.id) : undefined) ?? (record.id === guess ? check.rows[index] : elsewhere.get(record.id));
      const problem = this.decide(run, record, index, stored, payloads, writes);
      if (problem !== undefined) reject(index, problem);
    }
    await this.flush(run, writes, reject);
    this.carry(writes.byId, carried);
    this.applied++;
  }

  /** Keeps, of this batch's writes and those carried so far, the records that a check not yet applied looked up before they were written. */
  private carry(written: Map<string, Written>, carried: Map<string, Written>): void {
    const next = new Map<string, Written>();
    for (const check of this.unapplied) {
      for (const guess of check.guesses) {
        if (guess === undefined) continue;
        const known = written.get(guess) ?? (carried.size > 0 ? carried.get(guess) : undefined);
        if (known !== undefined && known.batch >= check.after) next.set(guess, known);
      }
    }
    this.carried = next;
  }

  /** Stored records of lines whose id is not the one guessed for the check: one lookup for the batch. */
  private async lookupElsewhere(run: WriteRun, check: Check, entries: readonly Entry[]) {
    if (run.emptyAtStart) return new Map<string, StoredRecord>();
    const ids: string[] = [];
    for (const { index, record } of entries) {
      if (record !== undefined && record.id !== check.guesses[index] && !this.carried.has(record.id)) ids.push(record.id);
    }
    return ids.length === 0 ? new Map<string, StoredRecord>() : run.lookup(ids);
  }

  /** Payloads of stored records that are about to be compared (a deferred hash, a version): one read for the batch. */
  private async storedPayloads(run: WriteRun, check: Check, entries: readonly Entry[], elsewhere: Map<string, StoredRecord>) {
    const rowids: number[] = [];
    if (run.emptyAtStart) return check.payloads;
    const carried = this.carried;
    for (const { index, record } of entries) {
      if (record === undefined || (carried.size > 0 && carried.has(record.id))) continue;
      const row = record.id === check.guesses[index] ? check.rows[index] : elsewhere.get(record.id);
      if (row !== undefined && !check.payloads.has(row.rowid) && this.needsPayload(run, row, record)) rowids.push(row.rowid);
    }
    if (rowids.length === 0) return check.payloads;
    const payloads = await run.payloads(rowids);
    for (const [rowid, payload] of check.payloads) payloads.set(rowid, payload);
    return payloads;
  }

  /** Writes a batch's ops; inserts of ids stored after all (an initial load looks nothing up) are decided again. */
  private async flush(run: WriteRun, writes: BatchWrites, reject: RejectLine): Promise<void> {
    const { ops: written, owners } = writes.pending();
    if (written.length === 0) return;
    const rowids = await run.write(written);
    const repeated = new Map<string, { record: PreparedRecord; index: number }>();
    let inserted = 0;
    written.forEach((op, i) => {
      if (op.op !== 'insert') return;
      const rowid = rowids[inserted++];
      const owner = owners[i]!;
      owner.insertAt = undefined;
      if (rowid !== undefined) {
        owner.rowid = rowid;
        return;
      }
      const record = { id: op.id, payload: op.payload, hash: op.hash === DEFERRED_HASH ? undefined : op.hash, rawHash: op.rawHash, version: owner.version };
      repeated.set(op.id, { record, index: owner.index });
      writes.byId.delete(op.id);
      // Counted as a new record, it was a repeat of one this run saved before.
      this.summary.added--;
      this.delta.live--;
      this.delta.bytes -= op.size;
    });
    if (repeated.size === 0) return;
    const stored = await run.lookup([...repeated.keys()]);
    const again = new BatchWrites(writes.byId);
    const payloads = await run.payloads(
      [...stored.values()].filter((row) => this.needsPayload(run, row, repeated.get(row.id)!.record)).map((row) => row.rowid),
    );
    for (const { record, index } of repeated.values()) {
      const problem = this.decide(run, record, index, stored.get(record.id), payloads, again);
      if (problem !== undefined) reject(index, problem);
    }
    await this.flush(run, again, reject);
  }

  /**
   * Deletion detection: every live record the input did not name is soft-deleted, in this run,
   * unless that is more than the limit allows (then nothing of the run is saved).
   */
  protected override async finish(run: WriteRun): Promise<void> {
    if (!this.options.fullRefresh) return;
    // Records left alone were named by the input: it was not empty.
    const named = { ...this.summary, unchanged: this.summary.unchanged + this.skipped };
    const plan = planRefresh(named, { allowEmpty: this.options.allowEmpty, emptyAtStart: run.emptyAtStart });
    if (plan === 'skip-rejected') this.deletionSkipped = true;
    if (plan === 'refuse-empty') throw new EmptyRefreshError(run.liveAtStart, this.dataset.model);
    if (plan !== 'detect-deletions') return;
    this.liveBefore = run.liveAtStart;
    const { gone, left } = await unnamedLive(run, this.met, this.unlessModifiedAfter === undefined ? undefined : (row) => this.changedSince(row, run));
    this.skipped += left;
    // An empty input that was allowed to delete everything needs no other limit.
    const emptyInput = named.added + named.updated + named.unchanged === 0;
    if (!emptyInput) checkDeletions(this.options.maxDelete ?? DEFAULT_DELETE_LIMIT, gone.length, run.liveAtStart, this.dataset.model);
    await deleteRows(run, gone);
    this.summary.deleted += gone.length;
    this.delta.live -= gone.length;
    this.delta.deleted += gone.length;
  }
}

/** Where no one else deals with bad lines: a line found bad while it is applied fails the run. */
function refuse(_index: number, reason: string): never {
  throw new InputError(reason);
}
