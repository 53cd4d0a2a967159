import type { Action, Dataset, RunKind } from '../../types.js';
import type { RunEntry } from './writes.js';

// What reads give: the change stream by position, the kept counters, the run history.

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
