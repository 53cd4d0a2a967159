import { addDelta, countOutcome, type Outcome, type StoredState } from '../decisions/outcome.js';
import type { CounterDelta, Dataset, Store, StoredRecord, WriteRun } from '../stores/store.js';
import { emptySummary, type Summary } from '../types.js';

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
  protected readonly delta: CounterDelta = { live: 0, deleted: 0, pruned: 0, bytes: 0 };
  protected run: WriteRun | undefined;
  /** The dataset does not exist and this kind of run does not create one: nothing is written. */
  protected missing = false;
  private startedAt: number;
  /** How far the store's clock (never going back) is ahead of the caller's, from the run's begin: start and finish are both stamped on it. */
  private ahead = 0;
  private ended = false;

  constructor(
    protected readonly store: Store,
    readonly kind: 'save' | 'delete' | 'update',
    readonly dataset: Dataset,
    protected readonly now: () => number,
  ) {
    this.startedAt = now();
  }

  /** Takes the dataset's lock; a signal stops the wait. Undefined when the dataset does not exist and this run does not create it. */
  async begin(signal?: AbortSignal): Promise<WriteRun | undefined> {
    if (this.ended) throw new Error('this run has already ended');
    if (this.run === undefined && !this.missing) {
      const now = this.now();
      this.run = await this.store.beginRun(this.dataset, { kind: this.kind, now, create: this.kind === 'save', signal });
      this.missing = this.run === undefined;
      if (this.run !== undefined) {
        this.ahead = this.run.time - now;
        this.startedAt = Math.min(this.startedAt + this.ahead, this.run.time);
      }
    }
    return this.run;
  }

  protected count(outcome: Outcome, duplicate: boolean, changedInRun: boolean, delta?: CounterDelta): void {
    countOutcome(this.summary, outcome, duplicate, changedInRun);
    if (delta) addDelta(this.delta, delta);
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
      await run.commit({ summary: this.summary, delta: this.delta, startedAt: this.startedAt, finishedAt: Math.max(this.now() + this.ahead, run.time) });
      return this.summary;
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
