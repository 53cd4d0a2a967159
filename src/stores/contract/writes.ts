import type { Action, CounterDelta, RunKind, Summary } from '../../types.js';
import type { DatasetRef } from '../store.js';
import type { StoredCheckpoint } from './dataset-state.js';

// What a write run is given and does: the stored records it looks up, the writes of a batch, the run history's rows.

/** What a write run needs to know of one stored record to decide what a line does to it. */
export interface StoredRecord {
  /**
   * A number naming the row within its database, for as long as the write run that read it is
   * open. Runs keep sets of row ids, not of record ids, to remember which rows they met. A store
   * may renumber rows between runs (compaction waits for every writer), so no row id is kept past
   * its run's commit or abort; within a run a store may reuse one only for a row created after the
   * one it named was hard-deleted.
   */
  rowid: number;
  id: string;
  /** Position of the record's latest change; above the run's startPosition means this run made it. */
  position: number;
  action: Action;
  /** Canonical hash of the payload, or DEFERRED_HASH. Kept when the payload is pruned. */
  hash: string;
  /** Hash of the line as given: an identical line is unchanged without being parsed. */
  rawHash: string;
  /** Bytes of the payload (UTF-8), counted even while pruned. */
  size: number;
  firstSeenAt: number;
  deletedAt: number | null;
  prunedAt: number | null;
}

/**
 * One write of a batch. Every op except `restore` takes the next position, in the order the ops
 * are given; `run.time` is stamped as last_modified_at on each of them.
 */
export type WriteOp =
  /** A new record, ADDED; first_seen_at = run.time. Skipped (no position taken) when the id is stored in the dataset already. */
  | { op: 'insert'; id: string; payload: string; hash: string; rawHash: string; size: number }
  /**
   * A new state of a stored record: payload and hashes replaced, deleted and pruned marks cleared,
   * first_seen_at set as given (kept for UPDATED, run.time for a deleted record ADDED again).
   */
  | { op: 'replace'; rowid: number; action: 'ADDED' | 'UPDATED'; payload: string; hash: string; rawHash: string; size: number; firstSeenAt: number }
  /** A pruned record met again with the same hash: its payload comes back; not a change, no position. */
  | { op: 'restore'; rowid: number; payload: string; rawHash: string; size: number }
  /** Soft delete of a live record: action DELETED, deleted_at = run.time, payload kept. */
  | { op: 'delete'; rowid: number };

/** One row of the run history, as the library writes it (the dataset is the one it is appended for). */
export interface RunEntry extends Summary {
  kind: RunKind;
  startedAt: number;
  finishedAt: number;
  pruned: number;
}

/** A run's counts, in the order of the history's columns of those names. */
export const RUN_COUNTS = ['added', 'updated', 'unchanged', 'deleted', 'unknown', 'duplicates', 'rejected', 'pruned'] as const;

/**
 * How a dataset's kept figures move with a run appended to the history: its counters by `delta`,
 * `runs` by one, last_run_at to the run's finishedAt, and the times given.
 */
export interface DatasetMove {
  delta: CounterDelta;
  /** The time of a save, delete or update (last_sync_at, what the dataset TTL looks at). */
  syncAt?: number;
  /** The time of the run's changes, when it changed records (last_change_at). */
  changeAt?: number;
}

/**
 * The time a store stamps: called once, after the locks are taken, with the latest time stamped
 * in the database before (0 when none); returns the time to stamp (src/cache/clock.ts).
 */
export type Stamp = (lastStamped: number) => number;

export interface BeginOptions {
  kind: 'save' | 'delete' | 'update';
  /** Gives run.time, once the dataset's lock is held. */
  stamp: Stamp;
  /** Create the dataset when it does not exist (a save); false: undefined is returned instead. */
  create: boolean;
  /** Stops the wait for the dataset's lock: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * One writing run on one dataset: a single transaction that holds the dataset's write lock from
 * beginRun until commit or abort. Nothing it writes is visible to readers before commit, and an
 * abort (or a lost connection, or the process dying) leaves no trace of it.
 */
export interface WriteRun {
  readonly dataset: DatasetRef;
  /** Stamped on every change of this run: what `stamp` gave once the lock was held. */
  readonly time: number;
  /** The last position taken before this run: records with a higher position were changed by it. */
  readonly startPosition: number;
  /** The dataset held no records when the run began: a lookup can only find what this run wrote. */
  readonly emptyAtStart: boolean;
  /** The dataset's live count when the run began. */
  readonly liveAtStart: number;

  /** The stored records of these ids in the dataset, keyed by id; ids not stored are absent. */
  lookup(ids: readonly string[]): Promise<Map<string, StoredRecord>>;
  /** The payloads of these rows (null when pruned), keyed by row id: for hashes that were deferred and for merges. */
  payloads(rowids: readonly number[]): Promise<Map<number, string | null>>;
  /**
   * Applies ops in order, positions assigned by the store in that order. Returns, for each insert
   * op in order, the new row's id, or undefined when the id was stored already and nothing was
   * written for it (a run that skipped lookups, as an initial load does, learns of repeats so).
   */
  write(ops: readonly WriteOp[]): Promise<(number | undefined)[]>;
  /**
   * Up to `limit` live records of the dataset that this run has not written (position at most
   * startPosition), with row id above `afterRowid`, in row id order: what a full refresh may delete.
   */
  untouchedLive(afterRowid: number, limit: number): Promise<{ rowid: number; id: string }[]>;
  /**
   * Appends the run to the history, moves the dataset's figures, makes every write visible and
   * releases the lock; the run's time becomes the latest time stamped. With `checkpoint` (only
   * given to a store that keeps checkpoints), the dataset's checkpoint becomes that JSON text in
   * the same transaction, its version growing by one and its time the run's finishedAt.
   */
  commit(run: RunEntry, move: DatasetMove, checkpoint?: string): Promise<void>;
  /**
   * The dataset's checkpoint, read under a lock that keeps every other writer of it waiting until
   * this run ends. Implemented by the stores that keep checkpoints (see Store.readCheckpoint).
   */
  readCheckpoint?(): Promise<StoredCheckpoint>;
  /** Rolls back everything this run did and releases the lock. Safe to call more than once, and after commit. */
  abort(): Promise<void>;
}
