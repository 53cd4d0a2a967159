import type { IgnoreFields } from '../decisions/canonical.js';
import { storedPayloadHash } from '../decisions/hash.js';
import { decideSave, needsComparison } from '../decisions/outcome.js';
import { DEFERRED_HASH, prepareRecord, type PreparedRecord } from '../decisions/record.js';
import { valueText, versionOrder } from '../decisions/version.js';
import type { Dataset, Store, StoredRecord, WriteRun } from '../stores/store.js';
import type { BatchWrites, Written } from './batch-writes.js';
import type { LineRules, ReadyRules } from './line-rules.js';
import { RowSet } from './row-set.js';
import { LibraryRun, stateOf } from './runs.js';

/**
 * What a save decides of one record against the stored one (SPEC §2): added, updated, unchanged,
 * a repeat of an earlier line, or left alone (a newer stored version, a change after the cursor).
 * SaveRun (save-run.ts) feeds it batches.
 */
export abstract class SaveDecisions extends LibraryRun {
  /** The stored records left alone so far, by row: a later line that does change one counts it as that change instead. */
  protected skippedRows: RowSet | undefined;
  /** The records this run has met unchanged, by row: which lines repeat an id, and which records a full refresh keeps. */
  protected readonly met = new RowSet();
  /** How many batches the run has applied. */
  protected applied = 0;
  /** The hashes of stored records that were deferred, computed for the batch being applied (see Check), by row. */
  protected storedHashes = new Map<number, string>();

  constructor(
    store: Store,
    dataset: Dataset,
    /** How lines are prepared: as rules for the worker thread, and ready for this one. */
    readonly lines: { rules: LineRules; ready: ReadyRules },
    now: () => number,
  ) {
    super(store, 'save', dataset, now);
  }

  protected get ignore(): IgnoreFields {
    return this.lines.ready.ignore;
  }

  /** Whether the stored `row` is compared by a hash that was deferred, which its payload gives. */
  protected hashDeferred(row: StoredRecord, run: WriteRun): boolean {
    return row.hash === DEFERRED_HASH && row.deletedAt === null && row.prunedAt === null && !this.changedSince(row, run);
  }

  /**
   * Whether deciding `record` against the stored `row` reads its payload: to compute a deferred
   * hash, or, with a version field, to read the stored version of a record whose content differs
   * (a deleted one included). A record with the same content is unchanged whatever its version.
   */
  protected needsPayload(run: WriteRun, row: StoredRecord, record: PreparedRecord): boolean {
    if (row.prunedAt !== null || this.changedSince(row, run)) return false;
    if (this.hashDeferred(row, run) && row.rawHash !== record.rawHash) return true;
    return record.version !== undefined && (row.deletedAt !== null || row.hash !== record.hash);
  }

  /** Whether an earlier line of this run named the stored record `row`. */
  protected isDuplicate(row: StoredRecord, run: WriteRun): boolean {
    return row.position > run.startPosition || !this.met.add(row.rowid);
  }

  /** Decides line `index` of the batch, `record`, against what is stored; the reason the line is bad, if it is found so only here. */
  protected decide(
    run: WriteRun,
    record: PreparedRecord,
    index: number,
    stored: StoredRecord | Written | undefined,
    payloads: Map<number, string | null>,
    writes: BatchWrites,
  ): string | undefined {
    const known = stored !== undefined && 'changedInRun' in stored;
    if (stored !== undefined && !known && this.changedSince(stored as StoredRecord, run)) return this.skip(stored, run);
    const state = stored === undefined ? undefined : stateOf(stored, run.startPosition);
    const size = Buffer.byteLength(record.payload);
    const same = needsComparison(state) ? this.sameContent(stored!, record, payloads) : undefined;
    if (stored !== undefined && !same && record.version !== undefined) {
      const order = this.versionOrder(record, stored, payloads);
      if (typeof order === 'string') return order;
      if (order < 0) return this.skip(stored, run);
    }
    const decision = decideSave(state, same, size, run.time);
    const duplicate = stored !== undefined && (known || this.isDuplicate(stored as StoredRecord, run));
    // A record left alone for an earlier line and changed by this one is counted as changed.
    if (decision.outcome !== 'unchanged' && !known && stored !== undefined && this.skippedRows?.delete(stored.rowid!)) {
      this.skipped--;
      this.summary.unchanged++;
    }
    this.count(decision.outcome, duplicate, state?.changedInRun ?? false, decision.delta);
    writes.add(decision.write, record, size, index, stored, state, run.time, this.applied);
    return undefined;
  }

  /** Leaves a stored record as it is: counted as skipped, once per record. */
  protected skip(stored: StoredRecord | Written, run: WriteRun): undefined {
    if ('changedInRun' in stored || this.isDuplicate(stored, run)) {
      this.summary.duplicates++;
      return;
    }
    this.skipped++;
    (this.skippedRows ??= new RowSet()).add(stored.rowid);
  }

  /** How a record's version compares with the stored one's (see versionOrder); a pruned record has none. */
  protected versionOrder(record: PreparedRecord, stored: StoredRecord | Written, payloads: Map<number, string | null>): number | string {
    const path = this.lines.ready.checks.versionPath!;
    const payload = 'changedInRun' in stored ? undefined : payloads.get(stored.rowid);
    const storedVersion = 'changedInRun' in stored ? stored.version : typeof payload === 'string' ? valueText(payload, path) : undefined;
    return versionOrder(record.version!, storedVersion, path);
  }

  /** Whether a record's content is the stored one; hashes that were deferred are computed only when the texts differ. */
  protected sameContent(stored: StoredRecord | Written, record: PreparedRecord, payloads: Map<number, string | null>): boolean {
    if (stored.prunedAt === null && stored.rawHash === record.rawHash) return true;
    let hash = stored.hash;
    // A stored record's hash computed with the line (see Check); one written by this run has its payload at hand.
    if (hash === DEFERRED_HASH && !('changedInRun' in stored)) hash = this.storedHashes.get(stored.rowid) ?? hash;
    if (hash === DEFERRED_HASH) {
      const payload = 'payload' in stored ? stored.payload : payloads.get(stored.rowid!);
      if (typeof payload !== 'string') throw new Error(`the payload of row ${stored.rowid} was not read before it was compared`);
      hash = storedPayloadHash(payload);
    }
    record.hash ??= prepareRecord(record.payload, this.ignore).hash!;
    return hash === record.hash;
  }
}
