import type { Action, CounterDelta, Dataset, RunKind, Summary } from '../types.js';

export type { Action, CounterDelta, Dataset, RunKind, Summary } from '../types.js';
export { DEFERRED_HASH } from '../types.js';
export { StoreError, type StoreFailure } from '../errors.js';

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
   * releases the lock; the run's time becomes the latest time stamped.
   */
  commit(run: RunEntry, move: DatasetMove): Promise<void>;
  /** Rolls back everything this run did and releases the lock. Safe to call more than once, and after commit. */
  abort(): Promise<void>;
}

/** One record as the change stream shows it: its latest state and the position of its latest change. */
export interface Change {
  id: string;
  /** The payload text, or null when it was pruned. */
  payload: string | null;
  position: number;
  action: Action;
  firstSeenAt: number;
  lastModifiedAt: number;
  deletedAt: number | null;
  prunedAt: number | null;
}

/**
 * A change with its payload as the UTF-8 bytes stored, `bytes[start, end)`, in a buffer that the
 * changes of one page share (null when the payload was pruned): what a program that prints
 * payloads as they are copies, rather than decoding each one to text and encoding it again.
 */
export interface ChangeBytes extends Omit<Change, 'payload'> {
  bytes: Uint8Array | null;
  start: number;
  end: number;
}

/**
 * A page of the change stream, by keyset on the position. Both bounds apply in either order: the
 * far one bounds how much of the stream a page whose filter matches few records looks through.
 */
export interface ChangePage {
  /** Only records with position > after (oldest first, where the page starts). */
  after?: number;
  /** Only records with position < before (newest first, where the page starts; omit both for the newest records). */
  before?: number;
  order: 'oldest-first' | 'newest-first';
  limit: number;
  /** Only records whose latest action is one of these. */
  actions?: readonly Action[];
  /** Only these ids. */
  ids?: readonly string[];
  /** Only records last modified at or after this time. */
  modifiedAfter?: number;
}

/** A dataset's kept counters (read without scanning its records). */
export interface DatasetCounts extends Dataset {
  live: number;
  deleted: number;
  pruned: number;
  bytes: number;
  runs: number;
  lastRunAt: number | null;
  lastChangeAt: number | null;
}

/** One row of the run history. */
export interface RunRecord extends Dataset, RunEntry {
  /** Grows with every run committed in the database. */
  number: number;
}

/**
 * How many runs of one kind ended one way, over the whole history: 'rejected' when the run
 * refused lines, else 'changed' when it added, updated, deleted or pruned anything, else 'unchanged'.
 */
export interface RunCount {
  kind: RunKind;
  outcome: 'changed' | 'unchanged' | 'rejected';
  count: number;
}

/** How many runs of one kind ended one way in one dataset (see RunCount). */
export interface DatasetRunCount extends Dataset, RunCount {}

export interface RunQuery {
  /** Narrows to the datasets matching every field given. */
  dataset?: Partial<Dataset>;
  /** Only runs that started at or after this time. */
  since?: number;
  /** Only runs with a higher number (committed after that run). */
  after?: number;
  /** At most this many runs, the first in `order`. */
  limit?: number;
  order: 'oldest-first' | 'newest-first';
}

export interface MaintenanceOptions {
  /** The datasets to work on: those matching every field given; every dataset without it. */
  datasets?: Partial<Dataset>;
  /** Only count: take no lock and write nothing (and need no write access). */
  readonly: boolean;
  /** Gives the time stamped on what the work writes, once the locks are held. */
  stamp: Stamp;
}

/** A dataset as retention and reset look at it, read under its lock. */
export interface MaintainedDataset extends DatasetRef {
  live: number;
  deleted: number;
  pruned: number;
  bytes: number;
  lastRunAt: number | null;
  /** The last save, delete or update. */
  lastSyncAt: number | null;
}

/** Records of a dataset whose payload is still there, narrowed by every field given. */
export interface PayloadSelection {
  /** Last modified at or before this time. */
  modifiedUpTo?: number;
  /** Position at or before this one. */
  positionUpTo?: number;
}

/** A record whose payload may be dropped. */
export interface SelectedRecord {
  rowid: number;
  position: number;
  size: number;
  /** The payload, when the record's hash is DEFERRED_HASH: its hash must be computed before the payload goes. */
  deferredPayload?: string;
}

/**
 * Work on whole datasets in one transaction (prune, reset): it holds the write locks of the
 * datasets it was begun for (none when read-only) until commit or abort.
 */
export interface Maintenance {
  /** The datasets begun for, in id order. */
  readonly datasets: readonly MaintainedDataset[];
  /** Stamped on what this work writes (pruned_at): what `stamp` gave once the locks were held. */
  readonly time: number;
  /** How many records the dataset holds, or how many of them the selection matches. */
  countRecords(dataset: DatasetRef, selection?: PayloadSelection): Promise<number>;
  /** Up to `limit` records the selection matches with position above `afterPosition`, in position order. */
  selectPayloads(dataset: DatasetRef, selection: PayloadSelection, afterPosition: number, limit: number): Promise<SelectedRecord[]>;
  /**
   * Drops the payloads of the records the selection matches with position in (afterPosition,
   * throughPosition], pruned_at = time, after replacing their deferred hashes by `hashes` (by row id).
   */
  dropPayloads(
    dataset: DatasetRef,
    selection: PayloadSelection,
    afterPosition: number,
    throughPosition: number,
    hashes: readonly { rowid: number; hash: string }[],
  ): Promise<void>;
  /**
   * Hard-deletes every record of the dataset, and the dataset itself with `remove` (its id is
   * never used again); else its generation grows. Either way the dataset's horizon (kept by its
   * names, past its removal) becomes a new position, 'expired' with `remove`, else 'reset'.
   * The number of records deleted.
   */
  clearDataset(dataset: DatasetRef, remove: boolean): Promise<number>;
  /** Appends a run of the dataset to the history; with `move`, the dataset's figures move (a removed dataset has none). */
  appendRun(dataset: DatasetRef, run: RunEntry, move?: DatasetMove): Promise<void>;
  /** Makes everything visible and releases the locks; the work's time becomes the latest time stamped. */
  commit(): Promise<void>;
  /** Rolls back and releases the locks. Safe to call more than once, and after commit. */
  abort(): Promise<void>;
}

/**
 * Where and what the database is. `id` is created with the database and never changes; cursors
 * carry it, so a cursor from another database (or one deleted and created again) is recognised.
 */
export interface DatabaseInfo {
  id: string;
  /** The store's name, as people read it (stats, serve and the dashboard show it): 'SQLite', 'PostgreSQL', or a registered store's own. */
  kind: string;
  /** A file path, or a URL with any password removed: safe to print. */
  location: string;
  /** Bytes the database occupies, when the store can tell. */
  bytes: number | undefined;
  /**
   * The local files the database occupies or may create, each by its real path, the main file
   * first (SQLite: the file and its -wal, -shm and -journal files, present or not); empty for a
   * database on a server. A file the library writes (a rejects file) must be none of them.
   */
  files: string[];
  /**
   * At or after the last position taken by a committed change (0 when none): no cursor beyond it
   * was ever issued. On a server it may count positions of runs still in flight; see Store.endOf.
   */
  lastPosition: number;
}

/**
 * A run of the history as a webhook deliverer reads it: the run, and the dataset's latest earlier
 * run that was not a payload-only prune (a 'prune' run with pruned > 0), or null when it has none.
 */
export interface RunAfter extends RunRecord {
  previous: { kind: RunKind; pruned: number } | null;
}

/** A page of the run history after a delivery position. */
export interface RunsAfter {
  /** In number order, with no number missing that may still be committed. */
  runs: RunAfter[];
  /** A run numbered below the last one read may still commit (a writer is finishing): read again soon. */
  waiting: boolean;
}

/** What the store keeps of one webhook receiver, by URL. */
export interface DeliveryState {
  url: string;
  /** The number of the last run the receiver is done with (taken, or not to be sent). */
  position: number;
  /** Runs committed after the position. */
  backlog: number;
  /** Deliveries the receiver took. */
  delivered: number;
  /** Failed attempts, ever. */
  failures: number;
  /** Failed attempts at the run after the position, since it was last taken. */
  attempts: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastDeliveredAt: number | null;
  /** The deliverer holding the URL now (host and process), or null. */
  holder: string | null;
}

/**
 * One deliverer's hold on a URL: while it lasts, no other deliverer sends to that URL. Every
 * write says whether the hold still stood, and writes nothing when it did not.
 */
export interface DeliveryHold {
  readonly url: string;
  /** The URL's position when the hold was taken. */
  readonly position: number;
  /** The receiver is done with the runs up to `position` (the position never moves back), having taken `delivered` more deliveries, the last at `at`. */
  advance(position: number, at: number, delivered: number): Promise<boolean>;
  /** A failed attempt at the run after the position. */
  fail(error: string, at: number): Promise<boolean>;
  /** Whether the hold still stands, extending it where the store keeps holds as leases. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/** Durable webhook delivery: a position per URL in the run history, and one holder per URL. */
export interface Deliveries {
  /**
   * The URL's state, created first when the URL is new: at the end of the run history as it is
   * now ('end'), or before its first run ('beginning'). `created` says whether it was new.
   */
  register(url: string, start: 'end' | 'beginning'): Promise<{ state: DeliveryState; created: boolean }>;
  /**
   * Takes the URL for the caller, or undefined while another deliverer holds it. A holder that
   * dies releases it: at once where the store can tell (a session that ends, a process gone on
   * this host), else once `lease` ms pass without renew().
   */
  hold(url: string, options: { lease: number }): Promise<DeliveryHold | undefined>;
  /** Up to `limit` runs numbered above `after`. */
  runsAfter(after: number, limit: number): Promise<RunsAfter>;
  /** Every URL's state, by URL. */
  list(): Promise<DeliveryState[]>;
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
