import type { StoreOpeners } from '../stores/open.js';
import type { DatasetCounts } from '../stores/store.js';
import type { Action, Summary } from '../types.js';
import type { DatasetName } from '../decisions/dataset.js';
import type { ChangeQuery } from './reader.js';

// The options and results of the library's calls. Each options type has its list of names in
// options.ts, where a misspelled option is refused.

export interface CacheOptions {
  /** Open for reading only: the database must exist; nothing is created or migrated. */
  readonly?: boolean;
  /** False: the database must exist (StoreError 'missing'), as for a program that only removes or updates records. Default true. */
  create?: boolean;
  /** How long a write waits for its turn (another write of the dataset, from this program or another, holding it), in milliseconds (default 60,000). */
  busyTimeout?: number;
  /** The clock, in milliseconds since the epoch: what times are stamped and retention is measured against. */
  now?: () => number;
  /**
   * A program's own stores, by the URL scheme that selects them (`{ 'memory:': openMemoryStore }`):
   * a location starting with one of them is opened by its opener, before rcache's own schemes.
   */
  stores?: StoreOpeners;
}

export interface WriteOptions {
  /** Report and skip bad lines instead of failing the whole run (counted as `rejected`). */
  skipInvalid?: boolean;
  /** With skipInvalid: a file that keeps every skipped line verbatim. */
  rejects?: string;
  /** Told of each skipped line (`file:line: reason (skipped)`). */
  onWarning?: (message: string) => void;
  /** Told after each batch how many lines were read so far, and the bytes of that batch. */
  onProgress?: (lines: number, bytes: number) => void;
  /** Stops the run; it is rolled back and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * A cursor taken before the records were fetched: a record whose latest change came after it
   * is left exactly as it is (the store holds newer data than the input), counted as `skipped`.
   */
  unlessModifiedAfter?: string;
  /**
   * A plain object (or the JSON text of one, at most 64 KiB) saved as the dataset's checkpoint in
   * the same transaction as the records: both are saved, or neither. A delete or update given one
   * creates the dataset when it does not exist, to hold it.
   */
  checkpoint?: Record<string, unknown> | string;
  /** With checkpoint: save nothing (CheckpointConflictError) unless the stored checkpoint's version is this one (0: none was ever written). */
  expectVersion?: number;
}

export interface SaveOptions extends WriteOptions {
  /** Dotted paths of volatile fields left out of change detection (still stored). */
  ignoreFields?: readonly string[];
  /** The input is the dataset's complete current set: live records missing from it are soft-deleted. */
  fullRefresh?: boolean;
  /** With fullRefresh: let an empty input delete every record. */
  allowEmpty?: boolean;
  /**
   * With fullRefresh: how many live records it may delete, a number (7) or a share of the live
   * records ('25%', '100%'); default '50%'. Deleting more is a DeletionLimitError, and nothing is saved.
   */
  maxDelete?: number | string;
  /**
   * The dotted path of a field that orders versions of a record (`updated_at`): a record whose
   * version is lower than the stored one's is left alone (`skipped`); of several lines for an id,
   * the highest version wins. A record without a usable version (a number, an ISO 8601 time, a
   * string) is a bad line.
   */
  versionField?: string;
  /** A JSON Schema (parsed; draft 2020-12, or draft-07 by its `$schema`) that every record saved must satisfy, or be a bad line. */
  schema?: unknown;
}

/** What a writing run did: the counts of its summary, and the records it left alone (`unlessModifiedAfter`, `versionField`). */
export interface WriteResult extends Summary {
  skipped: number;
}

export interface SaveResult extends WriteResult {
  /** A full refresh looked for no deletions because lines were rejected (their records would have been lost). */
  deletionSkipped: boolean;
  /** A full refresh that looked for deletions: the dataset's live records when it began. */
  liveBefore?: number;
}

export interface UpdateOptions extends WriteOptions {
  /** Dotted paths left out of change detection, as for save. */
  ignoreFields?: readonly string[];
  /** A JSON Schema every record must satisfy once merged, or its line is a bad line. */
  schema?: unknown;
}

/** A record of the change stream as Nango's API gives it: the payload, its id as a string, and `_nango_metadata`. */
export interface CacheRecord {
  id: string;
  _nango_metadata: {
    first_seen_at: string;
    last_modified_at: string;
    last_action: Action;
    deleted_at: string | null;
    pruned_at: string | null;
    cursor: string;
  };
  [field: string]: unknown;
}

export interface ReadOptions extends ChangeQuery {
  /** Stop after this many records. */
  limit?: number;
  /**
   * Yield each record as its JSON text, exactly as `rcache records` prints it (the payload as
   * stored, then `_nango_metadata`), instead of an object: its numbers keep every digit, which
   * JSON.parse would round beyond 2^53.
   */
  text?: boolean;
}

export interface FollowOptions extends ReadOptions {
  /** How often to look for a new commit, in milliseconds (default 1,000). */
  interval?: number;
  /** Ends the iteration (without an error) once aborted. */
  signal?: AbortSignal;
}

export interface PruneOptions {
  /** Drop the payload of records not changed for this long (ms). */
  payloadTtl: number;
  /** Hard-delete datasets with no save, delete or update for this long (ms). */
  datasetTtl: number;
  /** Only this dataset; every dataset without it. */
  dataset?: DatasetName;
  /** Count what would be pruned, change nothing. */
  dryRun?: boolean;
  /** Then give the space freed back to the file system (slow on a large database; waits for every writer). */
  compact?: boolean;
}

export interface PruneResult {
  pruned: number;
  datasetsExpired: number;
  recordsDeleted: number;
  /** Bytes of storage given back after the prune. */
  reclaimedBytes: number;
  /** Why the space could not be given back (the prune itself was committed); absent when it was, or was not asked for. */
  notReclaimed?: string;
}

export interface PruneUntilOptions {
  /** Drop at most this many payloads, the oldest first. */
  limit?: number;
  /** Count what would be pruned, change nothing. */
  dryRun?: boolean;
  /** Then give the space freed back, as prune does. */
  compact?: boolean;
}

export interface PruneUntilResult {
  /** Payloads dropped (or, on a dry run, that would be). */
  count: number;
  /** More records up to the cursor still have their payload. */
  hasMore: boolean;
  /** Bytes of storage given back (0 without `compact`). */
  reclaimedBytes: number;
  /** Why the space could not be given back, when `compact` failed; the payloads were dropped all the same. */
  notReclaimed?: string;
}

/** A dataset's checkpoint, as checkpoint(), setCheckpoint() and clearCheckpoint() give it. */
export interface Checkpoint<T = Record<string, unknown>> {
  /** The object saved last, as JSON.parse makes it (its JSON text with `text`); null when there is none. */
  checkpoint: T | null;
  /** How many times it was written (set, cleared, or cleared by a reset or an expiry): 0 when never. */
  version: number;
  /** When it was last written, in milliseconds since the epoch; null when never. */
  updatedAt: number | null;
}

export interface CheckpointReadOptions {
  /** Give the checkpoint as its JSON text, as stored: numbers keep every digit. */
  text?: boolean;
}

export interface CheckpointOptions extends CheckpointReadOptions {
  /** Write nothing (CheckpointConflictError) unless the stored checkpoint's version is this one (0: none was ever written). */
  expectVersion?: number;
}

/** A JSON Schema as the library gives it back: parsed JSON, an object (or true or false). */
export type JsonSchema = Record<string, unknown> | boolean;

export interface InferSchemaOptions {
  /** Stops the reading: the promise rejects with the signal's reason when it is an InterruptedError, else one of its own. */
  signal?: AbortSignal;
}

/** A dataset's figures as stats() gives them: its kept counters, and whether a schema is stored for it. */
export interface DatasetStats extends DatasetCounts {
  schema: boolean;
}
