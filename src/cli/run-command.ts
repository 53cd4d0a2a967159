import type { RecordsCache } from '../cache/cache.js';
import type { Run } from '../cache/run.js';
import type { Dataset, Summary } from '../cache/types.js';
import { wantsColor } from '../io/color.js';
import { readRecords } from '../io/input.js';
import { datasetOf, interruptible, open, type DatasetOptions, type GlobalOptions } from './context.js';

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
    await reportSummary(run.kind, dataset, run.commit(), options, startedAt);
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
