import { displayLocation } from '../stores/open.js';
import type { Dataset } from '../types.js';
import { open, type GlobalOptions } from './context.js';
import { namedFrom } from './suggest.js';
import { UsageError } from './usage-error.js';

const SHOWN = 5;

/** The datasets as a short phrase: those of the chosen integration and connection by model name, others with the flags that reach them. */
export function modelList(datasets: readonly Dataset[], chosen: Omit<Dataset, 'model'>): string {
  const here = (d: Dataset) => d.integration === chosen.integration && d.connection === chosen.connection;
  const named = [...datasets.filter(here), ...datasets.filter((d) => !here(d))].map((d) => namedFrom(d, chosen));
  const more = named.length - SHOWN;
  return named.slice(0, SHOWN).join(', ') + (more > 0 ? ` and ${more} more (see rcache stats)` : '');
}

/** The error for a missing --model, naming the models the database holds when it can be read; it never creates one. */
export async function missingModel(options: GlobalOptions): Promise<UsageError> {
  const message = "required option '-m, --model <name>' not specified";
  let datasets: Dataset[] = [];
  try {
    const cache = await open({ ...options, busyTimeout: '0' }, true, undefined, false);
    try {
      datasets = await cache.stats();
    } finally {
      await cache.close();
    }
  } catch {
    // No database, or not one that can be read now: the plain message says what matters.
  }
  if (datasets.length === 0) return new UsageError(message);
  return new UsageError(`${message}: the models in ${displayLocation(options.db)} are ${modelList(datasets, options)}`);
}
