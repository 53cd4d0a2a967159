export { StoreError, type StoreFailure } from './stores/store.js';

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
