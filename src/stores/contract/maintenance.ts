import { DEFERRED_HASH, type Dataset } from '../../types.js';
import type { DatasetRef } from '../store.js';
import type { DatasetMove, RunEntry, Stamp } from './writes.js';

// Retention and reset: what they select under a dataset's lock and the primitives they apply.

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

/** The columns a store selects for SelectedRecord, in this order; the payload only where the hash is deferred. */
export const SELECTED_COLUMNS = `rowid, position, size, CASE WHEN hash = '${DEFERRED_HASH}' THEN payload END`;

/** A row of SELECTED_COLUMNS as a SelectedRecord. */
export function selectedRecord([rowid, position, size, payload]: [number, number, number, string | null]): SelectedRecord {
  return payload === null ? { rowid, position, size } : { rowid, position, size, deferredPayload: payload };
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
  /**
   * Clears the dataset's checkpoint, as a write of it (its version grows by one, its time is
   * `time`), when one was ever written; whether one was. Stores that keep checkpoints.
   */
  clearCheckpoint?(dataset: Dataset): Promise<boolean>;
}
