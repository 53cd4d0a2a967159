import { datasetOf, type DatasetName } from '../decisions/dataset.js';
import { CursorError, InterruptedError, InvalidArgumentError } from '../errors.js';
import type { RecordSource } from '../input/sources.js';
import type { QueuedStore } from '../stores/queued-store.js';
import { runCheckpoint } from './checkpoints.js';
import type { PartialRecord } from './edit-runs.js';
import { checkOptions } from './options.js';
import { positionOf } from './reader.js';
import type { LibraryRun } from './runs.js';
import { runSchema } from './schemas.js';
import type { SaveOptions, SaveResult, UpdateOptions, WriteOptions, WriteResult } from './types.js';

// The writing calls of a Cache: save, delete and update, each one run from its checks to its commit.

// Writers are loaded when first used: a program (or command) that only reads never loads them.
const writers = () => import('./writers.js');
type Writers = Awaited<ReturnType<typeof writers>>;

const PAGE = 1000;

/** A source's batches of lines, joined into larger ones for a store that wants them. */
function batches(store: QueuedStore, { batchesOf, coalesce }: Writers, source: RecordSource, signal: AbortSignal) {
  const batches = batchesOf(source, signal);
  return store.batchBytes === undefined ? batches : coalesce(batches, store.batchBytes);
}

/** Runs a writing run to its commit; any failure or abort rolls it back. */
async function execute<R extends LibraryRun>(run: R, signal: AbortSignal | undefined, feed: () => Promise<void>): Promise<R> {
  try {
    signal?.throwIfAborted();
    await feed();
    await run.commit(signal);
    return run;
  } catch (error) {
    // Whatever the abort interrupted (a read, the wait for the lock), the caller is told of its signal.
    if (signal?.aborted) throw signal.reason instanceof InterruptedError ? signal.reason : new InterruptedError('its AbortSignal');
    throw error;
  } finally {
    await run.abort();
  }
}

/** Refuses, before any input is read, a rejects file that is a file of the database or an input of the run. */
async function checkRejects(store: QueuedStore, source: RecordSource | { ids: readonly string[] }, options: WriteOptions): Promise<void> {
  if (options.rejects === undefined) return;
  const { checkRejects } = await writers();
  const inputs = 'files' in source ? source.files.filter((file) => file !== '-' || source.stdin === undefined || source.stdin === process.stdin) : [];
  checkRejects(options.rejects, (await store.info()).files, inputs);
}

/** The position of an `unlessModifiedAfter` cursor in this database, checked before anything is read. */
async function unlessModifiedAfter(store: QueuedStore, options: WriteOptions): Promise<number | undefined> {
  const cursor = options.unlessModifiedAfter;
  if (cursor === undefined) return undefined;
  const what = 'unlessModifiedAfter';
  if (typeof cursor !== 'string') throw new InvalidArgumentError(`takes a cursor that rcache printed (rcache cursor), not a ${typeof cursor}`, what, ' ');
  try {
    return positionOf(cursor, await store.info());
  } catch (error) {
    if (error instanceof CursorError) throw new CursorError(`takes a cursor of this database: ${error.message}`, what, ' ');
    if (error instanceof InvalidArgumentError) throw new CursorError(`takes a cursor that rcache printed (rcache cursor), not '${cursor}'`, what, ' ');
    throw error;
  }
}

/** Saves records (SPEC §2): each is added, updated or unchanged against what is stored, in one atomic run. */
export async function save(store: QueuedStore, now: () => number, name: DatasetName, source: RecordSource, options: SaveOptions = {}): Promise<SaveResult> {
  checkOptions(options, 'save');
  await checkRejects(store, source, options);
  const w = await writers();
  const { SaveRun, readyRules, saveBatches, deleteLimit, versionPath } = w;
  const dataset = datasetOf(name);
  const maxDelete = options.maxDelete === undefined ? undefined : deleteLimit(options.maxDelete);
  let path: string[] | undefined;
  if (options.versionField !== undefined) {
    path = typeof options.versionField === 'string' ? versionPath(options.versionField) : undefined;
    if (path === undefined)
      throw new InvalidArgumentError(`takes a dotted field path (updated_at, meta.version), not ${JSON.stringify(options.versionField)}`, 'versionField', ' ');
  }
  const rules = { ignoreFields: options.ignoreFields ?? [], versionPath: path, schema: await runSchema(store.schemas(), dataset, options.schema) };
  const checkpoint = runCheckpoint(options, store);
  const run = new SaveRun(store, dataset, { ...options, maxDelete }, { rules, ready: await readyRules(rules) }, now);
  run.unlessModifiedAfter = await unlessModifiedAfter(store, options);
  run.checkpoint = checkpoint;
  await execute(run, options.signal, () => saveBatches(run, (signal) => batches(store, w, source, signal), { ...options, warn: options.onWarning }));
  const result: SaveResult = { ...run.summary, skipped: run.skipped, deletionSkipped: run.deletionSkipped };
  if (run.liveBefore !== undefined) result.liveBefore = run.liveBefore;
  return result;
}

/** Soft-deletes records by id (`{ ids }`), or by the `id` of each record of a source. Never creates the dataset. */
export async function remove(
  store: QueuedStore,
  now: () => number,
  name: DatasetName,
  source: { ids: readonly string[] } | RecordSource,
  options: WriteOptions = {},
): Promise<WriteResult> {
  checkOptions(options, 'delete');
  await checkRejects(store, source, options);
  const { DeleteRun, checkId, parseId, RecordError } = await writers();
  const run = new DeleteRun(store, datasetOf(name), now);
  run.checkpoint = runCheckpoint(options, store);
  run.unlessModifiedAfter = await unlessModifiedAfter(store, options);
  await execute(run, options.signal, async () => {
    if ('ids' in source) {
      const ids = source.ids.map((id: unknown) => {
        if (typeof id !== 'string') {
          throw new InvalidArgumentError(
            `${typeof id === 'number' ? id : typeof id} is not a string (a record saved with "id": 7 has the id "7")`,
            'invalid id',
          );
        }
        try {
          return checkId(id);
        } catch (error) {
          throw error instanceof RecordError ? new InvalidArgumentError(error.message, 'invalid id') : error;
        }
      });
      for (let i = 0; i < ids.length; i += PAGE * 2) await run.write(ids.slice(i, i + PAGE * 2), options.signal);
      return;
    }
    await feed(
      store,
      source,
      options,
      run,
      (text) => parseId(text),
      (ids) => run.write(ids, options.signal),
    );
  });
  return { ...run.summary, skipped: run.skipped };
}

/** Deep-merges partial records into live records (objects merge key by key; arrays and scalars replace). Never creates the dataset. */
export async function update(
  store: QueuedStore,
  now: () => number,
  name: DatasetName,
  source: RecordSource,
  options: UpdateOptions = {},
): Promise<WriteResult> {
  checkOptions(options, 'update');
  await checkRejects(store, source, options);
  const { UpdateRun, readyRules, preparePartial } = await writers();
  const dataset = datasetOf(name);
  const checkpoint = runCheckpoint(options, store);
  const schema = await runSchema(store.schemas(), dataset, options.schema);
  const run = new UpdateRun(store, dataset, await readyRules({ ignoreFields: options.ignoreFields ?? [], schema }), now);
  run.unlessModifiedAfter = await unlessModifiedAfter(store, options);
  run.checkpoint = checkpoint;
  await execute(run, options.signal, () => feed<PartialRecord>(store, source, options, run, preparePartial, (partials) => run.write(partials, options.signal)));
  return { ...run.summary, skipped: run.skipped };
}

/** Reads a source line by line and writes what each line gives, a batch of the input at a time. */
async function feed<T>(
  store: QueuedStore,
  source: RecordSource,
  options: WriteOptions,
  run: LibraryRun,
  parse: (text: string, reject: (reason: string) => void) => T,
  write: (items: T[]) => Promise<void>,
): Promise<void> {
  const w = await writers();
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let items: T[] = [];
  try {
    await w.readRecords(
      batches(store, w, source, signal),
      {
        ...options,
        warn: options.onWarning,
        batchEnd: async () => {
          const batch = items;
          items = [];
          await write(batch);
        },
      },
      (text, reject) => items.push(parse(text, reject)),
      () => run.reject(),
    );
  } catch (error) {
    stop.abort(error);
    throw error;
  }
}
