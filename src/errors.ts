/** An error a user can act on; `exitCode` is what the process ends with (see the README's exit codes). */
export class RcacheError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A mistake in how rcache was called: an option, a cursor, a duration. */
export class UsageError extends RcacheError {
  override readonly exitCode: number = 2;
}

/** One input line that is not a valid record. `where` is `file:line`. */
export class InputError extends RcacheError {
  override readonly exitCode: number = 65;
  constructor(
    readonly reason: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${reason}` : reason);
  }
}

/** The run was stopped by a signal and rolled back. */
export class InterruptedError extends RcacheError {
  override readonly exitCode: number = 130;
  constructor(signal = 'SIGINT') {
    super(`interrupted by ${signal}: nothing from this run was saved`);
  }
}
