import type { DatasetStats, RunStats } from '../../cache/stats.js';
import type { Action, Dataset } from '../../cache/types.js';

/** Where the cache lives, as the overview shows it. */
export interface DatabaseInfo {
  location: string;
  /** Bytes on disk, or null when the store cannot tell. */
  size: number | null;
  store: 'sqlite' | 'postgres';
  /** The last position taken by a committed change (0 when none). */
  lastPosition: number;
}

export interface RunQuery {
  /** At most this many runs, newest first. */
  limit: number;
  /** Only runs started at or after this time (ms since the epoch). */
  since?: number;
}

/**
 * How many runs of one kind ended one way: `rejected` when the run refused lines, else `changed`
 * when it added, updated, deleted or pruned anything, else `unchanged`.
 */
export interface RunCount {
  kind: string;
  outcome: RunOutcome;
  count: number;
}

export type RunOutcome = 'changed' | 'unchanged' | 'rejected';

export interface PageQuery {
  order: 'asc' | 'desc';
  /** The position to continue from, exclusive: after it (asc) or before it (desc); 0 is the start. */
  from: number;
  /** Where to stop looking, inclusive: the last position (asc) or the first (desc); none: the end. */
  to?: number;
  limit: number;
  actions?: readonly Action[];
  ids?: readonly string[];
  /** Only records last modified at or after this time (ms since the epoch). */
  modifiedAfter?: number;
}

/** One record of the change stream; `payload` is the stored JSON text, null once pruned. */
export interface StreamRecord {
  id: string;
  seq: number;
  action: Action;
  payload: string | null;
  size: number;
  firstSeenAt: number;
  lastModifiedAt: number;
  deletedAt: number | null;
  prunedAt: number | null;
}

/** Everything the dashboard reads. All of it is read-only. */
export interface DashboardSource {
  database(): Promise<DatabaseInfo>;
  datasets(): Promise<DatasetStats[]>;
  runs(dataset: Dataset, query: RunQuery): Promise<RunStats[]>;
  runCounts(): Promise<RunCount[]>;
  page(dataset: Dataset, query: PageQuery): Promise<StreamRecord[]>;
  record(dataset: Dataset, id: string): Promise<StreamRecord | undefined>;
  /** An opaque token that changes with every commit. */
  version(): Promise<string>;
  /** Resolves with the first version other than `after`; rejects when `signal` aborts. */
  waitForCommit(after: string, signal: AbortSignal): Promise<string>;
}
