import type { Dataset } from './types.js';

/** A failure a user or a calling program can act on; the message is one line. */
export class RcacheError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A value the caller gave is not valid: a cursor, a filter, a duration, a time, a count. */
export class InvalidArgumentError extends RcacheError {
  /** `what`: the value's name (an option, a query parameter), when the caller gave one; `reason` is the message without it. */
  constructor(
    readonly reason: string,
    readonly what?: string,
    separator = ': ',
  ) {
    super(what === undefined ? reason : `${what}${separator}${reason}`);
  }
}

/** A cursor that does not belong to this database, or names a position it never reached. */
export class CursorError extends InvalidArgumentError {}

/**
 * A cursor from before the dataset's last hard deletion (a reset, or its expiry): the records the
 * reader holds may have been deleted without a trace. It must drop its copy and read again from
 * the beginning, without a cursor.
 */
export class ResyncRequiredError extends RcacheError {
  constructor(
    readonly model: string,
    readonly reason: 'reset' | 'expired',
    /** When it happened, in milliseconds since the epoch. */
    readonly at: number,
  ) {
    super(
      `the dataset ${model} was ${reason} at ${new Date(at).toISOString()}, after this cursor (all its records were deleted): ` +
        'drop your copy of its records and read again from the beginning, without a cursor',
    );
  }
}

/** One input line that is not a valid record. `where` is `file:line`. */
export class InputError extends RcacheError {
  constructor(
    readonly reason: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${reason}` : reason);
  }
}

/** A full refresh with no records would delete a whole dataset; refused unless allowed. */
export class EmptyRefreshError extends RcacheError {
  constructor(
    readonly live: number,
    readonly model: string,
  ) {
    super(`the input is empty: a full refresh would delete all ${live} live records of ${model}`);
  }
}

/** A full refresh would delete more of a dataset's live records than its limit allows; nothing was saved. */
export class DeletionLimitError extends RcacheError {
  constructor(
    /** How many live records it would have deleted. */
    readonly count: number,
    readonly live: number,
    /** The limit, as given: a number of records or a percentage. */
    readonly limit: string,
    readonly model: string,
    share: string,
  ) {
    super(`a full refresh would delete ${count} of the ${live} live records of ${model} (${share}), more than the limit of ${limit}: nothing was saved`);
  }
}

/** The run was stopped by a signal and rolled back. */
export class InterruptedError extends RcacheError {
  constructor(readonly signal = 'SIGINT') {
    super(`interrupted by ${signal}: nothing from this run was saved`);
  }
}

/**
 * A checkpoint written on condition that its stored version is `expectVersion`, which it was not:
 * another writer wrote it after it was read. Nothing was written.
 */
export class CheckpointConflictError extends RcacheError {
  readonly model: string;
  constructor(
    /** The dataset whose checkpoint it is. */
    readonly dataset: Dataset,
    /** The stored checkpoint's version. */
    readonly version: number,
    readonly expectVersion: number,
    /** What was not written: 'nothing was saved' (a run), 'the checkpoint was not changed'. */
    outcome: string,
  ) {
    super(`the checkpoint of ${dataset.model} is at version ${version}, not ${expectVersion} as expected (it was written after it was read): ${outcome}`);
    this.model = dataset.model;
  }
}

/** Kinds of database failure, each with its own message and exit status in the CLI. */
export type StoreFailure =
  /** Another writer held the lock past the busy timeout. */
  | 'busy'
  /** The disk (or the server's) is full. */
  | 'full'
  /** The database, its directory or its file system cannot be written. */
  | 'read-only'
  /** There is no database at the location (for a read that must not create one). */
  | 'missing'
  /** The location names something that is not a database rcache may use (another program's, a FIFO, a directory). */
  | 'foreign'
  /** The database was written by a newer rcache. */
  | 'newer-schema'
  /** The location itself is not acceptable (empty, in memory, a URI with options). */
  | 'bad-location'
  /** The server cannot be reached, refused the credentials, or the connection was lost. */
  | 'cannot-connect'
  /** The dataset a reader follows was expired or reset after the reader found it. */
  | 'dataset-changed'
  /** Anything else the database reported. */
  | 'failed';

/** A database failure in rcache's terms. The message is one line, names the location, never a password. */
export class StoreError extends Error {
  constructor(
    readonly kind: StoreFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
