import type { Cache } from '../cache/cache.js';
import { checkpointText } from '../decisions/checkpoint.js';
import { InvalidArgumentError } from '../errors.js';
import { wantsColor } from '../terminal/color.js';
import { emptySummary, type Dataset, type Summary } from '../types.js';
import { count } from '../words.js';
import { flagDataset, interruptible, open, parseCount, plural, type DatasetOptions, type GlobalOptions } from './context.js';
import { UsageError } from './usage-error.js';

// What the writing commands share; kept apart from context.ts so that readers load none of it.

const PRIMARY: Record<string, (keyof Summary | 'skipped')[]> = {
  save: ['added', 'updated', 'unchanged'],
  delete: ['deleted', 'unchanged', 'unknown'],
  update: ['updated', 'unchanged', 'unknown'],
  reset: ['deleted'],
};

type Counts = Summary & { skipped: number };

/**
 * The summary of a writing run: one JSON object on stdout with --json, else one line on stderr.
 * `notes` adds words after a count in that line (`10 deleted (10% of 100 live)`).
 */
export async function reportSummary(
  kind: string,
  dataset: Dataset,
  result: Summary & { skipped?: number },
  options: GlobalOptions & { json?: boolean },
  startedAt: number,
  notes: Partial<Record<keyof Counts, string>> = {},
): Promise<void> {
  // Every count, 0 where it does not apply, and nothing else.
  const summary: Counts = { ...emptySummary(), skipped: 0 };
  for (const key of Object.keys(summary) as (keyof Counts)[]) summary[key] = result[key] ?? 0;
  if (options.json) {
    process.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }
  // Loaded only here: scripts that ask for --json never need the colour library.
  const { palette } = await import('../terminal/palette.js');
  const c = palette(wantsColor(process.stderr, options.color));
  const colours: Partial<Record<keyof Counts, (text: string) => string>> = { added: c.green, updated: c.yellow, deleted: c.red, rejected: c.red };
  const primary = PRIMARY[kind] ?? [];
  const others = (Object.keys(summary) as (keyof Counts)[]).filter((key) => !primary.includes(key) && (summary[key] > 0 || notes[key] !== undefined));
  // Every count is named by an adjective but one, which is a noun.
  const counted = (key: keyof Counts) =>
    (key === 'duplicates' ? plural(summary[key], 'duplicate') : `${count(summary[key])} ${key}`) + (notes[key] === undefined ? '' : ` ${notes[key]}`);
  const parts = [...primary, ...others].map((key) => (colours[key] ?? String)(counted(key)));
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(2);
  process.stderr.write(`${kind} ${c.bold(dataset.model)}: ${parts.join(', ')} (${seconds}s)\n`);
}

export interface InputOptions extends DatasetOptions {
  json?: boolean;
  skipInvalid?: boolean;
  rejects?: string;
  unlessModifiedAfter?: string;
  checkpoint?: string;
  expectVersion?: string;
}

/** --checkpoint and --expect-version as the library takes them, checked before the database is opened: a bad one writes nothing. */
function checkpointFlags(options: InputOptions): { checkpoint?: string; expectVersion?: number } {
  if (options.checkpoint === undefined) {
    if (options.expectVersion !== undefined) throw new UsageError('--expect-version only applies with --checkpoint: add --checkpoint');
    return {};
  }
  try {
    checkpointText(options.checkpoint);
  } catch (error) {
    throw error instanceof InvalidArgumentError ? new UsageError(`--checkpoint ${error.reason}`) : error;
  }
  const expectVersion = options.expectVersion === undefined ? undefined : parseCount(options.expectVersion, '--expect-version', 0);
  return { checkpoint: options.checkpoint, expectVersion };
}

/** What the library needs of a writing command's input options. */
export function writeOptions(options: InputOptions, signal: AbortSignal) {
  return {
    skipInvalid: options.skipInvalid,
    rejects: options.rejects,
    unlessModifiedAfter: options.unlessModifiedAfter,
    ...checkpointFlags(options),
    signal,
    onWarning: (message: string) => process.stderr.write(`rcache: ${message}\n`),
  };
}

/** The options of the library's writing calls by the flags that give them, for messages about their values. */
const OPTIONS: Record<string, string> = {
  rejects: '--rejects',
  unlessModifiedAfter: '--unless-modified-after',
  maxDelete: '--max-delete',
  versionField: '--version-field',
  schema: '--schema',
  checkpoint: '--checkpoint',
  expectVersion: '--expect-version',
};

/**
 * The shape of every writing command: open the database, run the library call, print the
 * summary. Whatever goes wrong before the commit rolls the whole run back.
 */
export async function executeRun<S extends Summary>(
  kind: string,
  options: InputOptions,
  call: (cache: Cache, signal: AbortSignal) => Promise<S>,
  notes?: (result: S) => Partial<Record<keyof Counts, string>>,
): Promise<S> {
  const startedAt = performance.now();
  const dataset = flagDataset(options);
  // Listening before the database is opened: connecting to a server takes a while, and a Ctrl-C
  // meanwhile must end the command as one during the run does.
  checkpointFlags(options);
  const interrupt = interruptible();
  let cache: Cache | undefined;
  try {
    cache = await open(options, false, undefined, kind === 'save');
    interrupt.signal.throwIfAborted();
    const summary = await call(cache, interrupt.signal).catch((error: unknown) => {
      const option = error instanceof InvalidArgumentError && error.what !== undefined ? OPTIONS[error.what] : undefined;
      throw option === undefined ? error : new UsageError(`${option} ${(error as InvalidArgumentError).reason}`);
    });
    await reportSummary(kind, dataset, summary, options, startedAt, notes?.(summary));
    return summary;
  } finally {
    interrupt.dispose();
    await cache?.close();
  }
}
