import { InterruptedError, InvalidArgumentError } from '../errors.js';
import type { Dataset, DatasetCounts, Schemas } from '../stores/store.js';
import type { ChangeReader } from './reader.js';
import type { DatasetStats, JsonSchema } from './types.js';

// JSON Schemas stored per dataset: every record a save writes, or an update merges, is checked
// against its dataset's schema unless the run brings its own.

const PAGE = 1000;

/** The schema a run checks its records against: the one it was given, else its dataset's, read once. */
export async function runSchema(schemas: Schemas, dataset: Dataset, given: unknown): Promise<unknown> {
  if (given !== undefined) return given;
  const text = await schemas.get(dataset);
  return text === undefined ? undefined : JSON.parse(text);
}

/** The dataset's schema, parsed; undefined when it has none. */
export async function storedSchema(schemas: Schemas, dataset: Dataset): Promise<JsonSchema | undefined> {
  const text = await schemas.get(dataset);
  return text === undefined ? undefined : (JSON.parse(text) as JsonSchema);
}

/** Keeps a schema for the dataset once it compiles (as its JSON text: what is kept is what was compiled); an InvalidArgumentError otherwise. */
export async function keepSchema(schemas: Schemas, dataset: Dataset, schema: unknown): Promise<void> {
  let text: string | undefined;
  try {
    text = JSON.stringify(schema);
  } catch (error) {
    throw new InvalidArgumentError(`must be JSON: ${(error as Error).message}`, 'schema');
  }
  const { compileSchema } = await import('../schema/compile.js');
  await compileSchema(text === undefined ? undefined : JSON.parse(text));
  await schemas.set(dataset, text);
}

/** A schema that every live record of the reader's dataset satisfies (those whose payload was pruned are not there to see); undefined when it has none. */
export async function inferStored(reader: ChangeReader, signal?: AbortSignal): Promise<JsonSchema | undefined> {
  const { SchemaInference } = await import('../schema/infer.js');
  const inference = new SchemaInference();
  for (;;) {
    if (signal?.aborted) throw signal.reason instanceof InterruptedError ? signal.reason : new InterruptedError('its AbortSignal');
    const page = await reader.next(PAGE);
    for (const change of page) if (change.payload !== null) inference.add(JSON.parse(change.payload));
    if (page.length < PAGE) break;
  }
  return inference.count === 0 ? undefined : (inference.schema() as JsonSchema);
}

/** Each dataset's counters, with whether a schema is stored for it. */
export async function withSchemas(counting: Promise<DatasetCounts[]>, schemas: Schemas, filter?: Partial<Dataset>): Promise<DatasetStats[]> {
  const key = (dataset: Dataset) => JSON.stringify([dataset.integration, dataset.connection, dataset.model]);
  // One after the other: on PostgreSQL, two at once would open a second connection, which costs a
  // one-shot command far more than the wait.
  const counts = await counting;
  const kept = await schemas.list(filter);
  const named = new Set(kept.map(key));
  return counts.map((dataset) => ({ ...dataset, schema: named.has(key(dataset)) }));
}
