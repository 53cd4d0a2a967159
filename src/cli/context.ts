import { openCache, type Cache } from '../cache/cache.js';
import { datasetOf } from '../decisions/dataset.js';
import { parseDuration } from '../decisions/duration.js';
import { wholeNumber } from '../decisions/number.js';
import { parseTimestamp } from '../decisions/time.js';
import { InterruptedError, InvalidArgumentError } from '../errors.js';
import { UsageError } from './usage-error.js';

export { UsageError };
import type { Dataset } from '../types.js';

/** Options every command takes (see `rcache --help`). */
export interface GlobalOptions {
  db: string;
  integration: string;
  connection: string;
  color?: boolean;
  debug?: boolean;
  busyTimeout?: string;
}

export interface DatasetOptions extends GlobalOptions {
  model: string;
}

/** The dataset the flags name, by the library's rule; a name it refuses is a usage error naming the flag. */
export function flagDataset(options: DatasetOptions): Dataset {
  try {
    return datasetOf(options);
  } catch (error) {
    if (error instanceof InvalidArgumentError && error.what !== undefined) throw new UsageError(`--${error.what} ${error.reason}`);
    throw error;
  }
}

export { plural } from '../words.js';

export function parseCount(text: string, option: string, min = 1): number {
  const value = wholeNumber(text.trim(), min);
  if (value === undefined) {
    throw new UsageError(`${option} takes a whole number of at least ${min}, not '${text}'`);
  }
  return value;
}

/** The clock: RCACHE_NOW (an ISO timestamp) fixes it for tests and replays. */
export function clock(): () => number {
  const fixed = process.env.RCACHE_NOW;
  if (fixed === undefined || fixed === '') return Date.now;
  const at = parseTimestamp(fixed, 'RCACHE_NOW');
  return () => at;
}

const DURATION = /^\s*\d+\s*[a-z]+\s*$/i;

/**
 * A time an option takes: an ISO 8601 time, or a duration back from now (`90m`, `12h`, `7d`), the
 * same for every option that takes one.
 */
export function parseTime(text: string, option: string, now = clock()): number {
  if (DURATION.test(text)) return now() - parseDuration(text, option);
  try {
    return parseTimestamp(text, option);
  } catch (error) {
    // A text that starts as a date was meant as one: only its own fault is named.
    if (!(error instanceof InvalidArgumentError) || /^\d{4}-/.test(text)) throw error;
    throw new InvalidArgumentError(`${error.reason}, nor a duration back from now (90m, 12h, 7d)`, option);
  }
}

/** `create` false: a command that only removes refuses a missing database rather than create an empty one. */
export function open(options: GlobalOptions, readonly = false, busyTimeout?: number, create = true): Promise<Cache> {
  const timeout = options.busyTimeout === undefined ? busyTimeout : parseCount(options.busyTimeout, '--busy-timeout', 0);
  return openCache(options.db, { readonly, busyTimeout: timeout, now: clock(), create });
}

/**
 * Turns SIGINT and SIGTERM into an abort of the running command, so that it can roll back and
 * end with exit 130 instead of dying wherever it stands. A signal after the first calls `again`
 * (a server already stopping gracefully stops at once).
 */
export function interruptible(again: () => void = () => {}): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) again();
    else controller.abort(new InterruptedError(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
