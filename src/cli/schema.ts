import type { Cache } from '../cache/cache.js';
import { InvalidArgumentError } from '../errors.js';
import { displayLocation } from '../stores/open.js';
import type { Dataset } from '../types.js';
import { flagDataset, interruptible, open, UsageError, type DatasetOptions } from './context.js';
import { NothingStoredError } from './nothing-stored.js';
import { readSchemaFile } from './schema-file.js';
import { suggestDatasets } from './suggest.js';

export interface SchemaOptions extends DatasetOptions {
  set?: string;
  clear?: boolean;
  infer?: boolean;
}

const named = (dataset: Dataset) => `${dataset.model} (integration ${dataset.integration}, connection ${dataset.connection})`;

/** Prints, sets, clears or infers the JSON Schema stored for a dataset. */
export async function schema(options: SchemaOptions): Promise<void> {
  const dataset = flagDataset(options);
  if (options.set !== undefined) return set(options, dataset, options.set);
  if (options.clear) return clear(options, dataset);
  const cache = await open(options, true);
  try {
    const found = options.infer ? await infer(cache, dataset) : await cache.schema(dataset);
    if (found === undefined) throw await nothing(cache, dataset, options);
    process.stdout.write(JSON.stringify(found, null, 2) + '\n');
  } finally {
    await cache.close();
  }
}

async function set(options: SchemaOptions, dataset: Dataset, file: string): Promise<void> {
  const parsed = readSchemaFile(file, '--set');
  const cache = await open(options);
  try {
    await cache.setSchema(dataset, parsed).catch((error: unknown) => {
      if (!(error instanceof InvalidArgumentError && error.what === 'schema')) throw error;
      throw new UsageError(`--set ${file}: ${error.reason}; nothing was stored`);
    });
  } finally {
    await cache.close();
  }
  process.stderr.write(`schema ${dataset.model}: set from ${file}\n`);
}

async function clear(options: SchemaOptions, dataset: Dataset): Promise<void> {
  const cache = await open(options, false, undefined, false);
  try {
    const had = await cache.clearSchema(dataset);
    process.stderr.write(had ? `schema ${dataset.model}: cleared\n` : `rcache: there is no schema for ${named(dataset)}: nothing to clear\n`);
  } finally {
    await cache.close();
  }
}

async function infer(cache: Cache, dataset: Dataset) {
  const interrupt = interruptible();
  try {
    return await cache.inferSchema(dataset, { signal: interrupt.signal });
  } finally {
    interrupt.dispose();
  }
}

/** Why nothing was printed: no schema, no records to infer one from, or no such dataset (with the names it may have meant). */
async function nothing(cache: Cache, dataset: Dataset, options: SchemaOptions): Promise<NothingStoredError> {
  const known = await cache.stats();
  const exists = known.some((d) => d.integration === dataset.integration && d.connection === dataset.connection && d.model === dataset.model);
  const hint = exists ? undefined : suggestDatasets(dataset, known);
  const meant = hint === undefined ? '' : `; did you mean ${hint}?`;
  if (options.infer) {
    const what = exists ? `${named(dataset)} has no live records` : `there is no dataset ${named(dataset)} in ${displayLocation(options.db)}`;
    return new NothingStoredError(`${what} to infer a schema from${meant}`);
  }
  return new NothingStoredError(
    `there is no schema for ${named(dataset)} in ${displayLocation(options.db)}${meant || `: set one with rcache schema --model ${dataset.model} --set FILE`}`,
  );
}
