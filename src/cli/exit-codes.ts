import { CommanderError } from 'commander';
import {
  CheckpointConflictError,
  DeletionLimitError,
  EmptyRefreshError,
  InputError,
  InterruptedError,
  InvalidArgumentError,
  RcacheError,
  ResyncRequiredError,
  StoreError,
} from '../errors.js';
import { isServerLocation } from '../stores/open.js';
import type { Dataset } from '../types.js';
import { NothingStoredError } from './nothing-stored.js';
import { UsageError } from './usage-error.js';

// How an error ends a command: the one line said on stderr, and the exit code.

function report(message: string, error: unknown, debug: boolean): void {
  process.stderr.write(`rcache: ${message}\n`);
  if (debug) process.stderr.write(`${(error as Error)?.stack}\n`);
}

export function exitCodeFor(error: unknown, debug: boolean, writing: boolean, db: string | undefined): number {
  if (error instanceof CommanderError) {
    const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code) && error.exitCode === 0;
    return ok ? 0 : 2;
  }
  if (error instanceof StoreError) {
    report(storeMessage(error, writing, db), error, debug);
    return 1;
  }
  if (error instanceof RcacheError) {
    const code = exitCodes.find(([kind]) => error instanceof kind)?.[1] ?? 1;
    report(hinted(error), error, debug);
    return code;
  }
  if (error instanceof RangeError && /out of memory|allocation failed/i.test(error.message)) {
    report(`not enough memory (${error.message}): raise the memory limit (ulimit -v) or free some memory and run again`, error, debug);
    return 1;
  }
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('E')) {
    report(SYSTEM_LIMITS[code]?.(error as Error) ?? (error as Error).message, error, debug);
    return 1;
  }
  process.stderr.write(`rcache: unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
  process.stderr.write(debug ? `${(error as Error)?.stack}\n` : 'rcache: this is a bug in rcache; run again with --debug for details\n');
  return 1;
}

/** Errors of the system's limits, said with what to do about them. */
const SYSTEM_LIMITS: Record<string, (error: Error) => string> = {
  ENOSPC: (error) => `the disk is full (${error.message})`,
  EMFILE: () => 'too many open files: raise the limit on open files (ulimit -n) and run again',
  ENFILE: () => "the system's table of open files is full: close some programs and run again",
};

/** A word as a POSIX shell reads it back: as it is when it is plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w.,:/@%+=-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** The command that prints a dataset's checkpoint, with the names that reach it where they are not the defaults. */
function checkpointCommand({ integration, connection, model }: Dataset): string {
  const words = ['rcache', 'checkpoint'];
  if (integration !== 'default') words.push('--integration', shellWord(integration));
  if (connection !== 'default') words.push('--connection', shellWord(connection));
  return [...words, '--model', shellWord(model)].join(' ');
}

/** A library error's message, with the flag that allows what it refused. */
function hinted(error: RcacheError): string {
  if (error instanceof EmptyRefreshError) return `${error.message}; pass --allow-empty to allow that`;
  if (error instanceof DeletionLimitError) return `${error.message}; if that is right, pass --max-delete ${error.count} (or 100% to allow any share)`;
  if (error instanceof CheckpointConflictError) {
    return `${error.message}; read it again (${checkpointCommand(error.dataset)}) and go on from what it holds`;
  }
  return error.message;
}

const exitCodes: [abstract new (...args: never[]) => RcacheError, number][] = [
  [UsageError, 2],
  [InvalidArgumentError, 2],
  [ResyncRequiredError, 3],
  [CheckpointConflictError, 4],
  [NothingStoredError, 5],
  [InputError, 65],
  [EmptyRefreshError, 65],
  [InterruptedError, 130],
];

/** A store failure in the terms of the command that met it: what to do, and whether a run was lost. */
function storeMessage(error: StoreError, writing: boolean, db: string | undefined): string {
  const lost = writing ? ': nothing from this run was saved' : '';
  switch (error.kind) {
    case 'busy':
      return `the database is locked by another process${lost} (wait, or raise --busy-timeout)`;
    case 'foreign':
      if (!error.message.includes('is not an rcache database')) return error.message;
      return `${error.message}; ${db !== undefined && isServerLocation(db) ? 'choose another database with --db (rcache needs one of its own)' : 'choose another file with --db'}`;
    case 'missing':
      return error.message.startsWith('no rcache database') ? `${error.message} (save some records first, or pass --db)` : error.message;
    case 'bad-location':
      return `${error.message} (--db, or RCACHE_DB)`;
    case 'full':
    case 'read-only':
    case 'failed':
      return `${error.message}${lost}`;
    default:
      return error.message;
  }
}
