import { datasetOf, type DatasetName } from '../decisions/dataset.js';
import { InvalidArgumentError } from '../errors.js';
import type { RecordSource } from '../input/sources.js';
import { displayLocation, openStore } from '../stores/open.js';
import { QueuedStore } from '../stores/queued-store.js';
import type {
  Change,
  DatabaseInfo,
  Dataset,
  DatasetRunCount,
  Deliveries,
  RunCount,
  RunRecord,
  RunQuery,
  Store,
  WaitOptions,
  WaitResult,
} from '../stores/store.js';
import { checkpointText, shapedCheckpoint, writeCheckpoint } from './checkpoints.js';
import * as readCalls from './read-calls.js';
import * as writeCalls from './write-calls.js';
import { checkOptions } from './options.js';
import { ChangeReader, checkCount, checkQuery, positionOf, type ChangeQuery } from './reader.js';
import { inferStored, keepSchema, storedSchema, withSchemas } from './schemas.js';
import type {
  CacheOptions,
  CacheRecord,
  Checkpoint,
  CheckpointOptions,
  CheckpointReadOptions,
  DatasetStats,
  FollowOptions,
  InferSchemaOptions,
  JsonSchema,
  PruneOptions,
  PruneResult,
  PruneUntilOptions,
  PruneUntilResult,
  ReadOptions,
  SaveOptions,
  SaveResult,
  UpdateOptions,
  WriteOptions,
  WriteResult,
} from './types.js';

// Retention is loaded when first used: the commands that read or save records need none of it.
const retention = () => import('./retention.js');

/** An open records cache: save, delete and update records, read and follow the change stream, retention, stats. */
export class Cache {
  private readonly store: QueuedStore;

  /**
   * A cache on a store already open; `location` names the database in messages, `busyTimeout` bounds
   * how long a write waits for its turn. The store's writes from this cache take turns (see Store).
   */
  constructor(
    store: Store,
    readonly now: () => number,
    options: { location?: string; busyTimeout?: number } = {},
  ) {
    this.store = new QueuedStore(store, options.location, options.busyTimeout);
  }

  /** Identity, kind, location and size of the database. */
  info(): Promise<DatabaseInfo> {
    return this.store.info();
  }

  /** Saves records (SPEC §2): each is added, updated or unchanged against what is stored, in one atomic run. */
  save(name: DatasetName, source: RecordSource, options: SaveOptions = {}): Promise<SaveResult> {
    return writeCalls.save(this.store, this.now, name, source, options);
  }

  /** Soft-deletes records by id (`{ ids }`), or by the `id` of each record of a source. Never creates the dataset. */
  delete(name: DatasetName, source: { ids: readonly string[] } | RecordSource, options: WriteOptions = {}): Promise<WriteResult> {
    return writeCalls.remove(this.store, this.now, name, source, options);
  }

  /** Deep-merges partial records into live records (objects merge key by key; arrays and scalars replace). Never creates the dataset. */
  update(name: DatasetName, source: RecordSource, options: UpdateOptions = {}): Promise<WriteResult> {
    return writeCalls.update(this.store, this.now, name, source, options);
  }

  /** A reader of a dataset's change stream, page by page; the cursor is checked against this database. */
  async reader(name: DatasetName, query: ChangeQuery = {}): Promise<ChangeReader> {
    const dataset = datasetOf(name);
    checkOptions(query, 'reader');
    checkQuery(query);
    const info = await this.info();
    const after = query.fromEnd ? await this.endOf(dataset) : query.cursor === undefined || query.cursor === '' ? undefined : positionOf(query.cursor, info);
    return new ChangeReader(this.store, info, dataset, { ...query, after });
  }

  /** "Now" in the dataset's stream, which is after its last reset or expiry even when no record has come since. */
  private async endOf(dataset: Dataset): Promise<number> {
    // One after the other, on one connection (see withSchemas).
    const end = await this.store.endOf(dataset);
    const horizon = await this.store.findHorizon(dataset);
    return Math.max(end, horizon?.position ?? 0);
  }

  /** One record of a dataset, whatever its state, as the change stream shows it; undefined when there is none. */
  async record(name: DatasetName, id: string): Promise<Change | undefined> {
    const ref = await this.store.findDataset(datasetOf(name));
    return ref === undefined ? undefined : this.store.readRecord(ref, id);
  }

  /**
   * The dataset's records whose latest change comes after the cursor, in change order, as Nango's
   * API shows them; with `text`, each as its JSON text, numbers with every digit.
   */
  changes(name: DatasetName, options: ReadOptions & { text: true }): AsyncGenerator<string>;
  changes(name: DatasetName, options?: ReadOptions & { text?: false }): AsyncGenerator<CacheRecord>;
  changes(name: DatasetName, options?: ReadOptions): AsyncGenerator<CacheRecord | string>;
  async *changes(name: DatasetName, options: ReadOptions = {}): AsyncGenerator<CacheRecord | string> {
    checkOptions(options, 'changes');
    checkCount(options.limit, 'limit', 0);
    const { limit, text, ...query } = options;
    yield* readCalls.changes(await this.reader(name, query), limit, text);
  }

  /** As changes(), then each new change as it is committed, until the signal aborts or the limit is reached. */
  follow(name: DatasetName, options: FollowOptions & { text: true }): AsyncGenerator<string>;
  follow(name: DatasetName, options?: FollowOptions & { text?: false }): AsyncGenerator<CacheRecord>;
  follow(name: DatasetName, options?: FollowOptions): AsyncGenerator<CacheRecord | string>;
  async *follow(name: DatasetName, options: FollowOptions = {}): AsyncGenerator<CacheRecord | string> {
    checkOptions(options, 'follow');
    checkCount(options.limit, 'limit', 0);
    if (options.interval !== undefined && !(options.interval > 0 && options.interval <= 2 ** 31 - 1)) {
      throw new InvalidArgumentError(`must be a number of milliseconds above 0, not ${String(options.interval)}`, 'interval');
    }
    const { limit, text, interval, signal, ...query } = options;
    yield* readCalls.follow(this.store, await this.reader(name, query), { limit, text, interval, signal });
  }

  /** A number that grows with every commit to the database. */
  version(): Promise<number> {
    return this.store.version();
  }

  /**
   * Waits for a commit after `version` (read before the caller's last read), and says why the wait
   * ended: 'committed', 'aborted', 'stopped' (`stop` said so) or 'replaced' (not the database opened).
   */
  waitForCommit(version: number, options: Partial<WaitOptions> = {}): Promise<WaitResult> {
    checkOptions(options, 'waitForCommit');
    return this.store.waitForCommit(version, { ...options, interval: options.interval ?? 1000 });
  }

  /** Retention (SPEC §5): payload TTL and dataset TTL, measured against the clock. */
  async prune(options: PruneOptions): Promise<PruneResult> {
    checkOptions(options, 'prune');
    const now = this.now();
    const counts = await (await retention()).prune(this.store, this.now, {
      payloadCutoff: now - options.payloadTtl,
      datasetCutoff: now - options.datasetTtl,
      dataset: options.dataset === undefined ? undefined : datasetOf(options.dataset),
      dryRun: options.dryRun === true,
      compact: options.compact,
    });
    const result: PruneResult = {
      pruned: counts.pruned,
      datasetsExpired: counts.datasetsExpired,
      recordsDeleted: counts.recordsDeleted,
      reclaimedBytes: counts.reclaimedBytes,
    };
    if (counts.notReclaimed !== undefined) result.notReclaimed = counts.notReclaimed;
    return result;
  }

  /**
   * Drops the payloads of a dataset's records up to and including `cursor` (Nango's pruneRecords);
   * at most `limit`. With `compact`, then gives the space freed back (`reclaimedBytes`).
   */
  async pruneUntil(name: DatasetName, cursor: string, options: PruneUntilOptions = {}): Promise<PruneUntilResult> {
    checkOptions(options, 'pruneUntil');
    const dataset = datasetOf(name);
    const until = positionOf(cursor, await this.info());
    const counts = await (await retention()).pruneUntil(this.store, this.now, dataset, until, {
      limit: options.limit,
      dryRun: options.dryRun === true,
      compact: options.compact,
    });
    const result: PruneUntilResult = { count: counts.count, hasMore: counts.hasMore, reclaimedBytes: counts.reclaimedBytes };
    if (counts.notReclaimed !== undefined) result.notReclaimed = counts.notReclaimed;
    return result;
  }

  /** Hard-deletes every record of a dataset, to sync it again from scratch; undefined (nothing created) when there is no such dataset. */
  async reset(name: DatasetName): Promise<number | undefined> {
    return (await retention()).reset(this.store, this.now, datasetOf(name));
  }

  /** The run history counted by kind and by outcome: changed, unchanged or rejected. */
  runCounts(): Promise<RunCount[]> {
    return this.store.runCounts();
  }

  /** The run history counted by dataset, kind and outcome. */
  datasetRunCounts(): Promise<DatasetRunCount[]> {
    return this.store.datasetRunCounts();
  }

  /** Every dataset's counts, or those matching `filter`, and whether a schema is stored for it. */
  stats(filter?: Partial<Dataset>): Promise<DatasetStats[]> {
    return withSchemas(this.store.datasets(filter), this.store.schemas(), filter);
  }

  /** The run history, oldest first unless asked otherwise. */
  runs(query: Partial<RunQuery> = {}): Promise<RunRecord[]> {
    checkOptions(query, 'runs');
    return this.store.runs({ order: 'oldest-first', ...query });
  }

  /** Webhook receivers' delivery positions and holds, kept in the database (see deliverWebhooks). */
  deliveries(): Deliveries {
    return this.store.deliveries();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  /** The dataset's checkpoint: `{ checkpoint: null, version: 0, updatedAt: null }` when none was ever written. */
  checkpoint(name: DatasetName, options: CheckpointReadOptions & { text: true }): Promise<Checkpoint<string>>;
  checkpoint(name: DatasetName, options?: CheckpointReadOptions & { text?: false }): Promise<Checkpoint>;
  checkpoint(name: DatasetName, options?: CheckpointReadOptions): Promise<Checkpoint<Record<string, unknown> | string>>;
  async checkpoint(name: DatasetName, options: CheckpointReadOptions = {}): Promise<Checkpoint<Record<string, unknown> | string>> {
    checkOptions(options, 'checkpoint');
    return shapedCheckpoint(await this.store.readCheckpoint(datasetOf(name)), options.text);
  }

  /** Sets the dataset's checkpoint alone (a plain object, or the JSON text of one); with `expectVersion`, only if it is at that version. */
  setCheckpoint(name: DatasetName, checkpoint: Record<string, unknown> | string, options: CheckpointOptions & { text: true }): Promise<Checkpoint<string>>;
  setCheckpoint(name: DatasetName, checkpoint: Record<string, unknown> | string, options?: CheckpointOptions & { text?: false }): Promise<Checkpoint>;
  setCheckpoint(
    name: DatasetName,
    checkpoint: Record<string, unknown> | string,
    options?: CheckpointOptions,
  ): Promise<Checkpoint<Record<string, unknown> | string>>;
  async setCheckpoint(
    name: DatasetName,
    checkpoint: Record<string, unknown> | string,
    options: CheckpointOptions = {},
  ): Promise<Checkpoint<Record<string, unknown> | string>> {
    checkOptions(options, 'setCheckpoint');
    const dataset = datasetOf(name);
    return shapedCheckpoint(await writeCheckpoint(this.store, dataset, checkpointText(checkpoint), this.now(), options.expectVersion), options.text);
  }

  /** Clears the dataset's checkpoint, which counts as a write of it; with `expectVersion`, only if it is at that version. */
  clearCheckpoint(name: DatasetName, options: CheckpointOptions & { text: true }): Promise<Checkpoint<string>>;
  clearCheckpoint(name: DatasetName, options?: CheckpointOptions & { text?: false }): Promise<Checkpoint>;
  clearCheckpoint(name: DatasetName, options?: CheckpointOptions): Promise<Checkpoint<Record<string, unknown> | string>>;
  async clearCheckpoint(name: DatasetName, options: CheckpointOptions = {}): Promise<Checkpoint<Record<string, unknown> | string>> {
    checkOptions(options, 'clearCheckpoint');
    return shapedCheckpoint(await writeCheckpoint(this.store, datasetOf(name), null, this.now(), options.expectVersion), options.text);
  }

  /** The JSON Schema stored for a dataset, which its saves and updates are checked against; undefined when it has none. */
  async schema(name: DatasetName): Promise<JsonSchema | undefined> {
    return storedSchema(this.store.schemas(), datasetOf(name));
  }

  /** Stores a JSON Schema (parsed; draft 2020-12, or draft-07 by its `$schema`) for a dataset, in place of any; one that does not compile is an InvalidArgumentError. */
  async setSchema(name: DatasetName, schema: unknown): Promise<void> {
    return keepSchema(this.store.schemas(), datasetOf(name), schema);
  }

  /** Removes a dataset's schema; whether it had one. */
  async clearSchema(name: DatasetName): Promise<boolean> {
    return this.store.schemas().set(datasetOf(name), undefined);
  }

  /** A JSON Schema that every live record of the dataset satisfies, read page by page; undefined when it has no live record with a payload. */
  async inferSchema(name: DatasetName, options: InferSchemaOptions = {}): Promise<JsonSchema | undefined> {
    checkOptions(options, 'inferSchema');
    return inferStored(await this.reader(name, { actions: ['ADDED', 'UPDATED'] }), options.signal);
  }
}

/**
 * Opens the cache at a file path (SQLite), a `postgres://` URL, or a location of a store the
 * program registers in `stores`.
 */
export async function openCache(location: string, options: CacheOptions = {}): Promise<Cache> {
  checkOptions(options, 'openCache');
  const store = await openStore(location, { readonly: options.readonly, busyTimeout: options.busyTimeout, create: options.create }, options.stores);
  return new Cache(store, options.now ?? Date.now, { location: displayLocation(location), busyTimeout: options.busyTimeout });
}
