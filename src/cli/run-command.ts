import type { Cache } from '../cache/cache.js';
import { InvalidArgumentError } from '../errors.js';
import { wantsColor } from '../io/color.js';
import type { Dataset, Summary } from '../types.js';
import { count } from '../io/words.js';
import { flagDataset, interruptible, open, plural, type DatasetOptions, type GlobalOptions } from './context.js';
import { UsageError } from './usage-error.js';

// What the writing commands share; kept apart from context.ts so that readers load none of it.

const PRIMARY: Record<string, (keyof Summary)[]> = {
  save: ['added', 'updated', 'unchanged'],
  delete: ['deleted', 'unchanged', 'unknown'],
  update: ['updated', 'unchanged', 'unknown'],
  reset: ['deleted'],
};

/** The summary of a writing run: one JSON object on stdout with --json, else one line on stderr. */
export async function reportSummary(kind: string, dataset: Dataset, summary: Summary, options: GlobalOptions & { json?: boolean }, startedAt: number): Promise<void> {
  if (options.json) {
    process.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }
  // Loaded only here: scripts that ask for --json never need the colour library.
  const { palette } = await import('../io/palette.js');
  const c = palette(wantsColor(process.stderr, options.color));
  const colours: Partial<Record<keyof Summary, (text: string) => string>> = { added: c.green, updated: c.yellow, deleted: c.red, rejected: c.red };
  const primary = PRIMARY[kind] ?? [];
  const others = (Object.keys(summary) as (keyof Summary)[]).filter((key) => !primary.includes(key) && summary[key] > 0);
  // Every count is named by an adjective but one, which is a noun.
  const counted = (key: keyof Summary) => (key === 'duplicates' ? plural(summary[key], 'duplicate') : `${count(summary[key])} ${key}`);
  const parts = [...primary, ...others].map((key) => (colours[key] ?? String)(counted(key)));
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(2);
  process.stderr.write(`${kind} ${c.bold(dataset.model)}: ${parts.join(', ')} (${seconds}s)\n`);
}

export interface InputOptions extends DatasetOptions {
  json?: boolean;
  skipInvalid?: boolean;
  rejects?: string;
}

/** What the library needs of a writing command's input options. */
export function writeOptions(options: InputOptions, signal: AbortSignal) {
  return {
    skipInvalid: options.skipInvalid,
    rejects: options.rejects,
    signal,
    onWarning: (message: string) => process.stderr.write(`rcache: ${message}\n`),
  };
}

/**
 * The shape of every writing command: open the database, run the library call, print the
 * summary. Whatever goes wrong before the commit rolls the whole run back.
 */
export async function executeRun<S extends Summary>(
  kind: string,
  options: InputOptions,
  call: (cache: Cache, signal: AbortSignal) => Promise<S>,
): Promise<S> {
  const startedAt = performance.now();
  const dataset = flagDataset(options);
  // Listening before the database is opened: connecting to a server takes a while, and a Ctrl-C
  // meanwhile must end the command as one during the run does.
  const interrupt = interruptible();
  let cache: Cache | undefined;
  try {
    cache = await open(options, false, undefined, kind === 'save');
    interrupt.signal.throwIfAborted();
    const summary = await call(cache, interrupt.signal).catch((error: unknown) => {
      throw error instanceof InvalidArgumentError && error.what === 'rejects' ? new UsageError(`--rejects ${error.reason}`) : error;
    });
    const { deletionSkipped: _, ...counts } = summary as S & { deletionSkipped?: boolean };
    await reportSummary(kind, dataset, counts, options, startedAt);
    return summary;
  } finally {
    interrupt.dispose();
    await cache?.close();
  }
}
