import { digest, type IgnoreFields } from '../decisions/canonical.js';
import { storedPayloadHash } from '../decisions/hash.js';
import { decideSave, needsComparison, planRefresh } from '../decisions/outcome.js';
import { DEFERRED_HASH, likelyId, prepareRecord, type PreparedRecord } from '../decisions/record.js';
import { EmptyRefreshError } from '../errors.js';
import type { Dataset, Store, StoredRecord, WriteOp, WriteRun } from '../stores/store.js';
import { RowSet } from './row-set.js';
import { LibraryRun, stateOf, type Known } from './runs.js';

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
}

export interface SaveOptions {
  /** The input is the dataset's complete current set: live records missing from it are deleted. */
  fullRefresh?: boolean;
  /** Let an empty input delete every record in a full refresh. */
  allowEmpty?: boolean;
}

const REFRESH_PAGE = 2000;

/** A line of a checked batch to apply: its index in the batch, and the record, unless the check found it identical to what is stored. */
export interface Entry {
  index: number;
  record: PreparedRecord | undefined;
}

/** A record this run wrote, as a later line for its id is decided against. */
interface Written extends Known {
  /** The batch that wrote it (the run's count of applied batches then). */
  batch: number;
  /** While its insert is not yet written: where that insert stands in the batch's ops. */
  insertAt?: number;
}

/** The writes of the batch being applied, by id, and the ops they make (in input order; a dropped op is undefined). */
interface BatchWrites {
  byId: Map<string, Written>;
  ops: (WriteOp | undefined)[];
  /** For each op: the record it writes. */
  owners: (Written | undefined)[];
}

/** A `save` run: each record is added, updated or found unchanged against what is stored (SPEC §2). */
export class SaveRun extends LibraryRun {
  /** True when a full refresh did not look for deletions because some input lines were rejected. */
  deletionSkipped = false;
  /** The records this run has met unchanged, by row: which lines repeat an id, and which records a full refresh keeps. */
  private readonly met = new RowSet();
  /** Checks made and not yet applied: what they looked up may be older than this run's later writes. */
  private readonly unapplied = new Set<Check>();
  /**
   * Records written by earlier batches whose ids a check not yet applied guessed before the write:
   * the row that check found is stale. Only those are kept; any other id is looked up afresh.
   */
  private carried = new Map<string, Written>();
  private applied = 0;

  constructor(
    store: Store,
    dataset: Dataset,
    private readonly options: SaveOptions,
    readonly ignore: IgnoreFields,
    now: () => number,
  ) {
    super(store, 'save', dataset, now);
  }

  /**
   * First half of saving a batch of lines: finds the lines identical to what is stored, so that only
   * the others need preparing (parse and canonical hash), which may happen on another thread.
   */
  async check(texts: readonly string[], signal?: AbortSignal): Promise<Check> {
    const run = (await this.begin(signal))!;
    const check: Check = { texts, rawHashes: [], guesses: [], rows: [], pending: [], compared: [], after: this.applied };
    const guesses = texts.map(likelyId);
    // An initial load looks nothing up: an id is stored only if this run saved it, and then
    // inserting it again finds it (see flush).
    const found = run.emptyAtStart ? undefined : await run.lookup(guesses.filter((guess) => guess !== undefined));
    texts.forEach((text, i) => {
      const guess = guesses[i];
      const row = guess === undefined ? undefined : found?.get(guess);
      const rawHash = row === undefined ? undefined : digest(text);
      check.rawHashes.push(rawHash);
      check.guesses.push(guess);
      check.rows.push(row);
      if (row === undefined || row.rawHash !== rawHash || row.deletedAt !== null || row.prunedAt !== null) {
        check.pending.push(i);
        check.compared.push(row !== undefined && row.deletedAt === null);
      }
    });
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
    await this.apply(check, records.map((record, index) => ({ index, record })));
  }

  /**
   * Second half: applies lines of a checked batch, in input order. `record` is the prepared line,
   * or undefined for a line the check found identical to its stored record.
   */
  async apply(check: Check, entries: readonly Entry[]): Promise<void> {
    const run = this.run!;
    this.unapplied.delete(check);
    const carried = this.carried;
    const elsewhere = await this.lookupElsewhere(run, check, entries);
    const payloads = await this.deferredPayloads(run, check, entries, elsewhere);

    const writes: BatchWrites = { byId: new Map(), ops: [], owners: [] };
    const { byId } = writes;
    for (const { index, record: prepared } of entries) {
      const guess = check.guesses[index];
      let record = prepared;
      if (record === undefined) {
        if (!byId.has(guess!) && !(carried.size > 0 && carried.has(guess!))) {
          const row = check.rows[index]!;
          this.count('unchanged', this.isDuplicate(row, run), row.position > run.startPosition);
          continue;
        }
        // Identical to the record as it was looked up, but this run has changed it since.
        record = prepareRecord(check.texts[index]!, this.ignore, { rawHash: check.rawHashes[index], deferHash: true });
      }
      const stored = byId.get(record.id) ?? (carried.size > 0 ? carried.get(record.id) : undefined) ?? (record.id === guess ? check.rows[index] : elsewhere.get(record.id));
      this.decide(run, record, stored, payloads, writes);
    }
    await this.flush(run, writes);
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

  /** Payloads of stored records whose hash was deferred and is about to be compared: one read for the batch. */
  private async deferredPayloads(run: WriteRun, check: Check, entries: readonly Entry[], elsewhere: Map<string, StoredRecord>) {
    const rowids: number[] = [];
    if (run.emptyAtStart) return new Map<number, string | null>();
    const carried = this.carried;
    for (const { index, record } of entries) {
      if (record === undefined || (carried.size > 0 && carried.has(record.id))) continue;
      const row = record.id === check.guesses[index] ? check.rows[index] : elsewhere.get(record.id);
      if (row !== undefined && row.hash === DEFERRED_HASH && row.deletedAt === null && row.rawHash !== record.rawHash) rowids.push(row.rowid);
    }
    return rowids.length === 0 ? new Map<number, string | null>() : run.payloads(rowids);
  }

  /** Whether an earlier line of this run named the stored record `row`. */
  private isDuplicate(row: StoredRecord, run: WriteRun): boolean {
    return row.position > run.startPosition || !this.met.add(row.rowid);
  }

  private decide(run: WriteRun, record: PreparedRecord, stored: StoredRecord | Written | undefined, payloads: Map<number, string | null>, writes: BatchWrites): void {
    const state = stored === undefined ? undefined : stateOf(stored, run.startPosition);
    const size = Buffer.byteLength(record.payload);
    const same = needsComparison(state) ? this.sameContent(stored!, record, payloads) : undefined;
    const decision = decideSave(state, same, size, run.time);
    const known = stored !== undefined && 'changedInRun' in stored;
    const duplicate = stored !== undefined && (known || this.isDuplicate(stored as StoredRecord, run));
    this.count(decision.outcome, duplicate, state?.changedInRun ?? false, decision.delta);

    const { write } = decision;
    if (write.kind === 'none') return;
    const hash = record.hash ?? DEFERRED_HASH;
    const rowid = stored?.rowid;
    const next: Written = {
      rowid,
      action: write.kind === 'replace' ? write.action : write.kind === 'insert' ? 'ADDED' : state!.action,
      firstSeenAt: write.kind === 'replace' ? write.firstSeenAt : write.kind === 'insert' ? run.time : state!.firstSeenAt,
      size,
      deletedAt: null,
      prunedAt: null,
      changedInRun: write.kind !== 'restore' || state!.changedInRun,
      hash: write.kind === 'restore' ? stored!.hash : hash,
      rawHash: record.rawHash,
      payload: record.payload,
      batch: this.applied,
    };
    writes.byId.set(record.id, next);
    const { ops, owners } = writes;
    const { payload, rawHash } = record;
    if (write.kind === 'insert' || (write.kind === 'replace' && rowid === undefined)) {
      // A record inserted earlier in this batch is inserted once, with its last content, where the last line stands.
      const earlier = (stored as Written | undefined)?.insertAt;
      if (earlier !== undefined) ops[earlier] = owners[earlier] = undefined;
      next.insertAt = ops.length;
      owners.push(next);
      ops.push({ op: 'insert', id: record.id, payload, hash, rawHash, size });
      return;
    }
    if (write.kind === 'replace') {
      owners.push(next);
      ops.push({ op: 'replace', rowid: rowid!, action: write.action, firstSeenAt: write.firstSeenAt, payload, hash, rawHash, size });
    } else if (write.kind === 'restore') {
      owners.push(next);
      ops.push({ op: 'restore', rowid: rowid!, payload, rawHash, size });
    }
  }

  /** Whether a record's content is the stored one; hashes that were deferred are computed only when the texts differ. */
  private sameContent(stored: StoredRecord | Written, record: PreparedRecord, payloads: Map<number, string | null>): boolean {
    if (stored.prunedAt === null && stored.rawHash === record.rawHash) return true;
    let hash = stored.hash;
    if (hash === DEFERRED_HASH) {
      const payload = 'payload' in stored ? stored.payload : payloads.get(stored.rowid!);
      if (typeof payload !== 'string') throw new Error(`the payload of row ${stored.rowid} was not read before it was compared`);
      hash = storedPayloadHash(payload);
    }
    record.hash ??= prepareRecord(record.payload, this.ignore).hash!;
    return hash === record.hash;
  }

  /** Writes a batch's ops; inserts of ids stored after all (an initial load looks nothing up) are decided again. */
  private async flush(run: WriteRun, writes: BatchWrites): Promise<void> {
    const written: WriteOp[] = [];
    const owners: Written[] = [];
    writes.ops.forEach((op, i) => {
      if (op === undefined) return;
      written.push(op);
      owners.push(writes.owners[i]!);
    });
    if (written.length === 0) return;
    const rowids = await run.write(written);
    const repeated: string[] = [];
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
      repeated.push(op.id);
      writes.byId.delete(op.id);
      // Counted as a new record, it was a repeat of one this run saved before.
      this.summary.added--;
      this.delta.live--;
      this.delta.bytes -= op.size;
    });
    if (repeated.length === 0) return;
    const stored = await run.lookup(repeated);
    const again: BatchWrites = { byId: writes.byId, ops: [], owners: [] };
    const payloads = await run.payloads([...stored.values()].filter((row) => row.hash === DEFERRED_HASH).map((row) => row.rowid));
    for (const op of written) {
      if (op.op !== 'insert' || !repeated.includes(op.id)) continue;
      const record: PreparedRecord = { id: op.id, payload: op.payload, hash: op.hash === DEFERRED_HASH ? undefined : op.hash, rawHash: op.rawHash };
      this.decide(run, record, stored.get(op.id), payloads, again);
    }
    await this.flush(run, again);
  }

  /** Deletion detection: every live record the input did not name is soft-deleted, in this run. */
  protected override async finish(run: WriteRun): Promise<void> {
    if (!this.options.fullRefresh) return;
    const plan = planRefresh(this.summary, { allowEmpty: this.options.allowEmpty, emptyAtStart: run.emptyAtStart });
    if (plan === 'skip-rejected') this.deletionSkipped = true;
    if (plan === 'refuse-empty') throw new EmptyRefreshError(run.liveAtStart, this.dataset.model);
    if (plan !== 'detect-deletions') return;
    for (let after = 0; ; ) {
      const page = await run.untouchedLive(after, REFRESH_PAGE);
      if (page.length === 0) return;
      after = page[page.length - 1]!.rowid;
      const ops: WriteOp[] = [];
      for (const { rowid } of page) if (!this.met.has(rowid)) ops.push({ op: 'delete', rowid });
      await run.write(ops);
      this.summary.deleted += ops.length;
      this.delta.live -= ops.length;
      this.delta.deleted += ops.length;
    }
  }
}
