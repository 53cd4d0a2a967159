import { CheckpointConflictError } from '../errors.js';
import { addDelta, countOutcome, type Outcome, type StoredState } from '../decisions/outcome.js';
import type { Dataset, Store, StoredRecord, WriteRun } from '../stores/store.js';
import { emptySummary, type CounterDelta, type Summary } from '../types.js';
import { RunClock } from './clock.js';

/** A record as the run knows it after writing it itself: what a later line for the same id is decided against. */
export interface Known extends StoredState {
  /** Undefined while its insert is not yet written. */
  rowid: number | undefined;
  hash: string;
  rawHash: string;
  payload: string;
}

export function stateOf(stored: StoredRecord | Known | undefined, startPosition: number): StoredState | undefined {
  if (stored === undefined) return undefined;
  if ('changedInRun' in stored) return stored;
  const { action, firstSeenAt, size, deletedAt, prunedAt } = stored;
  return { action, firstSeenAt, size, deletedAt, prunedAt, changedInRun: stored.position > startPosition };
}

/**
 * What every writing run of the library shares: the store's run, begun when the first batch is
 * ready (a slow input does not hold the dataset's lock while it waits), and the counts.
 */
export abstract class LibraryRun {
  readonly summary: Summary = emptySummary();
  /** Records left as they were because the store holds newer data than the input: counted once each, like the summary's counts. */
  skipped = 0;
  /** A position: a record whose latest change came after it is left exactly as it is (`unlessModifiedAfter`). */
  unlessModifiedAfter: number | undefined;
  /** The checkpoint's JSON text, saved with the records; the version the stored one must be at, checked when the lock is taken. */
  checkpoint: { text: string; expectVersion: number | undefined } | undefined;
  protected readonly delta: CounterDelta = { live: 0, deleted: 0, pruned: 0, bytes: 0 };
  protected run: WriteRun | undefined;
  /** The dataset does not exist and this kind of run does not create one: nothing is written. */
  protected missing = false;
  private readonly clock: RunClock;
  private ended = false;

  constructor(
    protected readonly store: Store,
    readonly kind: 'save' | 'delete' | 'update',
    readonly dataset: Dataset,
    now: () => number,
  ) {
    this.clock = new RunClock(now);
  }

  /** Takes the dataset's lock; a signal stops the wait. Undefined when the dataset does not exist and this run does not create it. */
  async begin(signal?: AbortSignal): Promise<WriteRun | undefined> {
    if (this.ended) throw new Error('this run has already ended');
    if (this.run === undefined && !this.missing) {
      // A checkpoint needs its dataset: a delete or update given one creates it.
      const create = this.kind === 'save' || this.checkpoint !== undefined;
      this.run = await this.store.beginRun(this.dataset, { kind: this.kind, stamp: this.clock.stamp, create, signal });
      this.missing = this.run === undefined;
      const expected = this.checkpoint?.expectVersion;
      if (this.run !== undefined && expected !== undefined) {
        const { version } = await this.run.readCheckpoint!();
        if (version !== expected) throw new CheckpointConflictError(this.dataset, version, expected, 'nothing was saved');
      }
    }
    return this.run;
  }

  protected count(outcome: Outcome, duplicate: boolean, changedInRun: boolean, delta?: CounterDelta): void {
    countOutcome(this.summary, outcome, duplicate, changedInRun);
    if (delta) addDelta(this.delta, delta);
  }

  /** Whether a stored record was changed after the position `unlessModifiedAfter` names (by another run: this one's changes do not count). */
  protected changedSince(row: StoredRecord, run: WriteRun): boolean {
    return this.unlessModifiedAfter !== undefined && row.position > this.unlessModifiedAfter && row.position <= run.startPosition;
  }

  /** Counts a line that was rejected as invalid and skipped. */
  reject(): void {
    this.summary.rejected++;
  }

  /** Work a run does after its input has ended, inside the same transaction. */
  protected async finish(_run: WriteRun): Promise<void> {}

  async commit(signal?: AbortSignal): Promise<Summary> {
    const run = await this.begin(signal);
    if (run === undefined) return this.summary;
    try {
      await this.finish(run);
      const { startedAt, finishedAt } = this.clock.span();
      const { summary } = this;
      const changed = summary.added + summary.updated + summary.deleted > 0;
      await run.commit(
        { kind: this.kind, ...summary, pruned: 0, startedAt, finishedAt },
        { delta: this.delta, syncAt: finishedAt, changeAt: changed ? run.time : undefined },
        this.checkpoint?.text,
      );
      return summary;
    } finally {
      await this.abort();
    }
  }

  /** Rolls back everything this run did. Safe to call more than once. */
  async abort(): Promise<void> {
    this.ended = true;
    await this.run?.abort();
  }
}
