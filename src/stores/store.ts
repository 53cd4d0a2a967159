import type { Dataset } from '../types.js';
import type { CheckpointWrite, Schemas, StoredCheckpoint } from './contract/dataset-state.js';
import type { Deliveries } from './contract/deliveries.js';
import type { Maintenance, MaintenanceOptions } from './contract/maintenance.js';
import type { Change, ChangeBytes, ChangePage, DatabaseInfo, DatasetCounts, DatasetRunCount, RunCount, RunQuery, RunRecord } from './contract/reads.js';
import type { BeginOptions, WriteRun } from './contract/writes.js';

export type { Action, CounterDelta, Dataset, RunKind, Summary } from '../types.js';
export { DEFERRED_HASH } from '../types.js';
export { StoreError, type StoreFailure } from '../errors.js';
export {
  type BeginOptions,
  type DatasetMove,
  RUN_COUNTS,
  type RunEntry,
  type Stamp,
  type StoredRecord,
  type WriteOp,
  type WriteRun,
} from './contract/writes.js';
export type {
  Change,
  ChangeBytes,
  ChangePage,
  DatabaseInfo,
  DatasetCounts,
  DatasetRunCount,
  RunAfter,
  RunCount,
  RunQuery,
  RunRecord,
  RunsAfter,
} from './contract/reads.js';
export type { MaintainedDataset, Maintenance, MaintenanceOptions, PayloadSelection, SelectedRecord } from './contract/maintenance.js';
export type { Deliveries, DeliveryHold, DeliveryState } from './contract/deliveries.js';
export type { CheckpointWrite, Schemas, StoredCheckpoint } from './contract/dataset-state.js';

/*
 * The operations every store implements. Callers (the library in src/cache/) hold the rules:
 * which record is added, updated or unchanged, what a full refresh deletes, how counters move,
 * what retention drops, what the run history says, which time is stamped. A store only keeps and
 * finds rows, in batches: over a network each call is a round trip, so no operation here is per
 * record. A store knows nothing of src/decisions/.
 *
 * Conventions for every store:
 * - Times are milliseconds since the epoch (UTC). A store never reads the clock: the time it
 *   stamps comes from the caller's `stamp`, called once the locks are held, with the latest time
 *   stamped in the database before.
 * - A position is the value of the database-wide change sequence: strictly increasing, assigned
 *   in commit order (a writer holds its dataset's lock while it takes positions), never reused.
 * - Ids are arbitrary strings (NUL and lone surrogates included) and must round-trip exactly.
 *   Payloads are JSON text and must round-trip byte for byte: never parse or re-encode them.
 * - Every failure of the database reaches callers as a StoreError of one of the kinds below;
 *   nothing engine-specific (error codes, driver classes) crosses this interface.
 *
 * Concurrency. A program may make any calls on one Cache at once (saves, deletes, updates,
 * prunes, resets, reads, follows) and each behaves as if it ran alone. The library keeps part of
 * that promise and each store the rest:
 * - Writes (a run from beginRun to its commit or abort, work begun by beginMaintenance to its
 *   commit or abort, read-only work excepted, and compact) reach a store through the Cache's queue (queued-store.ts): at most
 *   `concurrentWrites` at once, one at a time per dataset, and a write of every dataset, or one
 *   that compacts, alone. A write waiting there gives up (StoreError 'busy') when no write has
 *   ended for the busy timeout.
 * - Reads may come at any time, also while runs are open, and must see only what is committed:
 *   never the rows of a run not yet committed, which spans many awaits (it writes its input batch
 *   by batch). A store that writes on one connection therefore reads on another; one with a
 *   pool keeps its writes' connections apart from its reads', so that neither waits for the other.
 * - Other processes share the database too: a store still takes its database's locks, so that
 *   writers of one dataset queue across processes and positions are taken in commit order.
 */

/** A dataset as one store knows it. */
export interface DatasetRef extends Dataset {
  /** Never reused within a database, not even after the dataset is expired and created again. */
  uid: number;
  /** Grows each time the dataset is reset: a reader holding an older generation has missed hard deletions. */
  generation: number;
}

/**
 * The last hard deletion of a dataset's records (a reset, or its expiry): a position taken from
 * the change sequence when it committed. A cursor before it was issued before the deletion; one at
 * it, only after (as "now": no record takes that position).
 */
export interface Horizon {
  position: number;
  /** The time stamped by the reset or the prune that expired the dataset. */
  at: number;
  reason: 'reset' | 'expired';
}

export interface Store {
  /**
   * The input a write batch should hold at least, in bytes, for a store where each batch costs a
   * round trip to a server; undefined: batches as they are read.
   */
  readonly batchBytes?: number;

  /**
   * How many writes from one process the store can carry at once (see Concurrency above): 1, the
   * default, for a store that writes on a single connection; more for one with a pool of them.
   */
  readonly concurrentWrites?: number;

  /** Identity, location and size, read fresh on each call. */
  info(): Promise<DatabaseInfo>;

  /**
   * Begins a writing run on a dataset, waiting (up to the busy timeout, StoreError 'busy') for
   * the dataset's write lock; writers of other datasets are not waited for where the store can
   * avoid it. Undefined when the dataset does not exist and `create` is false.
   */
  beginRun(dataset: Dataset, options: BeginOptions): Promise<WriteRun | undefined>;

  /** The dataset, or undefined when nothing was ever written to it (or it was expired since). */
  findDataset(dataset: Dataset): Promise<DatasetRef | undefined>;

  /** The dataset's last hard deletion, kept even after it was expired; undefined when it never had one. */
  findHorizon(dataset: Dataset): Promise<Horizon | undefined>;

  /**
   * "Now" in a dataset's change stream, for a reader that wants only what is committed from now
   * on: a position at or after every committed change of the dataset, and before every change of
   * a run on it still in flight, which will commit later (0 when the dataset has no records).
   */
  endOf(dataset: Dataset): Promise<number>;

  /**
   * One page of a dataset's change stream. Each call is its own short read: a reader never holds
   * a snapshot open between pages. Throws StoreError 'dataset-changed' when the dataset `ref`
   * names was expired or reset since it was found (its uid or generation no longer match).
   */
  readChanges(ref: DatasetRef, page: ChangePage): Promise<Change[]>;

  /** As readChanges, with the payloads as bytes; optional: without it, readChanges' payloads are encoded. */
  readChangeBytes?(ref: DatasetRef, page: ChangePage): Promise<ChangeBytes[]>;

  /** The record with this id in the dataset, in the change stream's shape, whatever its state. */
  readRecord(ref: DatasetRef, id: string): Promise<Change | undefined>;

  /** A number that grows with every commit in the database (of any dataset, of any kind of run). */
  version(): Promise<number>;

  /**
   * Waits until a commit after `version` is visible, checking every `interval` ms, and says why it
   * ended: 'committed' (with the new version), 'aborted' (the signal), 'stopped' (`stop` returned
   * true at a check), or 'replaced' (the database is no longer the one opened: a file deleted or
   * replaced, a database dropped and created again). A commit made before the call, after
   * `version` was read, ends the wait at once.
   */
  waitForCommit(version: number, options: WaitOptions): Promise<WaitResult>;

  /** Every dataset's counters, ordered by integration, connection, model. */
  datasets(filter?: Partial<Dataset>): Promise<DatasetCounts[]>;

  runs(query: RunQuery): Promise<RunRecord[]>;

  /** The run history counted by kind and outcome (see RunCount), ordered by kind then outcome. */
  runCounts(): Promise<RunCount[]>;

  /** The run history counted by dataset, kind and outcome, in that order; expired datasets included. */
  datasetRunCounts(): Promise<DatasetRunCount[]>;

  /**
   * Begins work on whole datasets (see Maintenance), waiting (up to the busy timeout) for the
   * write locks of those it names unless read-only. Never creates a dataset.
   */
  beginMaintenance(options: MaintenanceOptions): Promise<Maintenance>;

  /**
   * Rewrites the storage so that the space freed by dropped payloads and deleted records goes
   * back to the file system (SQLite: VACUUM; PostgreSQL: VACUUM FULL of the records): the bytes
   * given back. Slow on a large database, and it waits for every other writer.
   */
  compact(): Promise<number>;

  /** Webhook delivery positions and holds (src/webhooks/). */
  deliveries(): Deliveries;

  /** Rolls back a run still open and closes the connection. */
  close(): Promise<void>;

  /*
   * Checkpoints: a JSON text per dataset, kept by its names (past the dataset's expiry, so that
   * its version keeps counting), written alone or with a run. Optional: a store without these
   * keeps none, and the library refuses checkpoints on it.
   */

  /** The dataset's checkpoint; `{ text: null, version: 0, updatedAt: null }` when none was ever written. */
  readCheckpoint?(dataset: Dataset): Promise<StoredCheckpoint>;

  /**
   * Writes the dataset's checkpoint alone (null clears it), its version growing by one, in a
   * transaction of its own that waits (up to the busy timeout) for a run holding it; only when
   * `expectVersion` is undefined or the stored version. The checkpoint after, and whether it was written.
   */
  writeCheckpoint?(dataset: Dataset, write: CheckpointWrite): Promise<{ written: boolean; stored: StoredCheckpoint }>;

  /** The JSON Schemas kept per dataset (src/cache/schemas.ts); a store without this method keeps none. */
  schemas?(): Schemas;
}

export interface WaitOptions {
  interval: number;
  signal?: AbortSignal;
  /** Looked at on every check; true ends the wait (a reader of the output that went away, say). */
  stop?: () => boolean;
}

export interface WaitResult {
  reason: 'committed' | 'aborted' | 'stopped' | 'replaced';
  /** The version after the commit; the one waited after otherwise. */
  version: number;
}

export interface StoreOptions {
  /** Open for reading: the database must exist and is never created; one written by an older rcache is upgraded first where it can be written. */
  readonly?: boolean;
  /** How long a writer waits for its dataset's lock, in milliseconds. */
  busyTimeout?: number;
  /**
   * False: open for writing only a database that exists; a missing one is StoreError 'missing'
   * ("no rcache database at <location>") and nothing is created. Default true.
   */
  create?: boolean;
}
