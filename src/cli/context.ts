import { openCache, type RecordsCache } from '../cache/cache.js';
import type { Run } from '../cache/run.js';
import { readRecords } from '../io/input.js';
import type { Dataset, Summary } from '../cache/types.js';
import { InterruptedError, UsageError } from '../errors.js';
import { palette, wantsColor } from '../io/color.js';

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

export function datasetOf(options: DatasetOptions): Dataset {
  for (const [name, value] of [['--integration', options.integration], ['--connection', options.connection], ['--model', options.model]] as const) {
    if (value.trim() === '') throw new UsageError(`${name} must not be empty`);
  }
  return { integration: options.integration, connection: options.connection, model: options.model };
}

export function parseCount(text: string, option: string, min = 1): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${option} takes a whole number of at least ${min}, not '${text}'`);
  }
  return value;
}

export function open(options: GlobalOptions, readonly = false): RecordsCache {
  const busyTimeout = options.busyTimeout === undefined ? undefined : parseCount(options.busyTimeout, '--busy-timeout', 0);
  return openCache(options.db, { readonly, busyTimeout });
}

/**
 * Turns SIGINT and SIGTERM into an abort of the running command, so that it can roll back and
 * end with exit 130 instead of dying wherever it stands.
 */
export function interruptible(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => controller.abort(new InterruptedError(name));
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

const PRIMARY: Record<string, (keyof Summary)[]> = {
  save: ['added', 'updated', 'unchanged'],
  delete: ['deleted', 'unchanged', 'unknown'],
  update: ['updated', 'unchanged', 'unknown'],
  reset: ['deleted'],
};

/** The summary of a writing run: one JSON object on stdout with --json, else one line on stderr. */
export function reportSummary(kind: string, dataset: Dataset, summary: Summary, options: GlobalOptions & { json?: boolean }, startedAt: number): void {
  if (options.json) {
    process.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }
  const c = palette(wantsColor(process.stderr, options.color));
  const colours: Partial<Record<keyof Summary, (text: string) => string>> = { added: c.green, updated: c.yellow, deleted: c.red, rejected: c.red };
  const primary = PRIMARY[kind] ?? [];
  const others = (Object.keys(summary) as (keyof Summary)[]).filter((key) => !primary.includes(key) && summary[key] > 0);
  const parts = [...primary, ...others].map((key) => (colours[key] ?? String)(`${summary[key]} ${key}`));
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(2);
  process.stderr.write(`${kind} ${c.bold(dataset.model)}: ${parts.join(', ')} (${seconds}s)\n`);
}

export interface InputOptions extends DatasetOptions {
  json?: boolean;
  skipInvalid?: boolean;
  rejects?: string;
}

/**
 * The shape of every writing command: open the database, feed the run, commit, print the
 * summary. Whatever goes wrong before the commit rolls the whole run back.
 */
export async function executeRun<R extends Run>(
  options: InputOptions,
  create: (cache: RecordsCache) => R,
  feed: (run: R, signal: AbortSignal) => Promise<void> | void,
): Promise<R> {
  const startedAt = performance.now();
  const dataset = datasetOf(options);
  const cache = open(options);
  const run = create(cache);
  const interrupt = interruptible();
  try {
    await feed(run, interrupt.signal);
    await run.acquire(interrupt.signal);
    reportSummary(run.kind, dataset, run.commit(), options, startedAt);
    return run;
  } finally {
    run.abort();
    interrupt.dispose();
    cache.close();
  }
}

/** Feeds NDJSON input to a run line by line, honouring --skip-invalid and --rejects. */
export function feedInput(run: Run, inputs: string[], options: InputOptions, signal: AbortSignal, handle: (text: string) => void): Promise<void> {
  const input = { inputs, skipInvalid: options.skipInvalid, rejects: options.rejects, signal, start: () => run.acquire(signal) };
  return readRecords(input, handle, () => run.reject());
}
