import { InterruptedError, InvalidArgumentError, StoreError } from '../errors.js';
import { recordJson } from '../io/records.js';
import type { RecordSource } from '../io/sources.js';
import { openStore } from '../stores/open.js';
import type { Change, DatabaseInfo, Dataset, DatasetCounts, RunCount, RunRecord, RunQuery, Store, Summary, WaitOptions, WaitResult } from '../stores/store.js';
import type { PartialRecord } from './edit-runs.js';
import { ChangeReader, checkCount, checkQuery, positionOf, type ChangeQuery } from './reader.js';
import * as retention from './retention.js';
import type { PruneUntilCounts } from './retention.js';
import type { LibraryRun } from './runs.js';

// Writers are loaded when first used: a program (or command) that only reads never loads them.
const writers = () => import('./writers.js');
type Writers = Awaited<ReturnType<typeof writers>>;

/** A dataset by name; integration and connection default to `default`. */
export interface DatasetName {
  integration?: string;
  connection?: string;
  model: string;
}

export interface CacheOptions {
  /** Open for reading only: the database must exist; nothing is created or migrated. */
  readonly?: boolean;
  /** False: the database must exist (StoreError 'missing'), as for a program that only removes or updates records. Default true. */
  create?: boolean;
  /** How long a writer waits for another writer of the same dataset, in milliseconds (default 60,000). */
  busyTimeout?: number;
  /** The clock, in milliseconds since the epoch: what times are stamped and retention is measured against. */
  now?: () => number;
}

export interface WriteOptions {
  /** Report and skip bad lines instead of failing the whole run (counted as `rejected`). */
  skipInvalid?: boolean;
  /** With skipInvalid: a file that keeps every skipped line verbatim. */
  rejects?: string;
  /** Told of each skipped line (`file:line: reason (skipped)`). */
  onWarning?: (message: string) => void;
  /** Told after each batch how many lines were read so far, and the bytes of that batch. */
  onProgress?: (lines: number, bytes: number) => void;
  /** Stops the run; it is rolled back and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface SaveOptions extends WriteOptions {
  /** Dotted paths of volatile fields left out of change detection (still stored). */
  ignoreFields?: readonly string[];
  /** The input is the dataset's complete current set: live records missing from it are soft-deleted. */
  fullRefresh?: boolean;
  /** With fullRefresh: let an empty input delete every record. */
  allowEmpty?: boolean;
}

export interface SaveResult extends Summary {
  /** A full refresh looked for no deletions because lines were rejected (their records would have been lost). */
  deletionSkipped: boolean;
}

export interface UpdateOptions extends WriteOptions {
  ignoreFields?: readonly string[];
}

/** A record of the change stream as Nango's API gives it: the payload, its id as a string, and `_nango_metadata`. */
export interface CacheRecord {
  id: string;
  _nango_metadata: {
    first_seen_at: string;
    last_modified_at: string;
    last_action: 'ADDED' | 'UPDATED' | 'DELETED';
    deleted_at: string | null;
    pruned_at: string | null;
    cursor: string;
  };
  [field: string]: unknown;
}

export interface ReadOptions extends ChangeQuery {
  /** Stop after this many records. */
  limit?: number;
}

export interface FollowOptions extends ReadOptions {
  /** How often to look for a new commit, in milliseconds (default 1,000). */
  interval?: number;
  /** Ends the iteration (without an error) once aborted. */
  signal?: AbortSignal;
}

export interface PruneOptions {
  /** Drop the payload of records not changed for this long (ms). */
  payloadTtl: number;
  /** Hard-delete datasets with no save, delete or update for this long (ms). */
  datasetTtl: number;
  /** Only this dataset; every dataset without it. */
  dataset?: DatasetName;
  /** Count what would be pruned, change nothing. */
  dryRun?: boolean;
  /** Then give the space freed back to the file system (slow on a large database; waits for every writer). */
  compact?: boolean;
}

export interface PruneResult {
  pruned: number;
  datasets_expired: number;
  records_deleted: number;
  /** Bytes of storage given back after the prune. */
  reclaimed_bytes: number;
  /** Why the space could not be given back (the prune itself was committed); absent when it was, or was not asked for. */
  not_reclaimed?: string;
}

const PAGE = 1000;

export function datasetOf(name: DatasetName): Dataset {
  const dataset = { integration: name.integration ?? 'default', connection: name.connection ?? 'default', model: name.model };
  for (const key of ['integration', 'connection', 'model'] as const) {
    if (typeof dataset[key] !== 'string' || dataset[key].trim() === '') throw new InvalidArgumentError(`must not be empty`, key, ' ');
  }
  return dataset;
}

/** An open records cache: save, delete and update records, read and follow the change stream, retention, stats. */
export class Cache {
  private infoCache: DatabaseInfo | undefined;

  constructor(
    private readonly store: Store,
    readonly now: () => number,
  ) {}

  /** Identity, kind, location and size of the database. */
  async info(): Promise<DatabaseInfo> {
    this.infoCache = await this.store.info();
    return this.infoCache;
  }

  /** A source's batches of lines, joined into larger ones for a store that wants them. */
  private batches({ batchesOf, coalesce }: Writers, source: RecordSource, signal: AbortSignal) {
    const batches = batchesOf(source, signal);
    return this.store.batchBytes === undefined ? batches : coalesce(batches, this.store.batchBytes);
  }

  /** Runs a writing run to its commit; any failure or abort rolls it back. */
  private async execute<R extends LibraryRun>(run: R, signal: AbortSignal | undefined, feed: () => Promise<void>): Promise<R> {
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
  private async checkRejects(source: RecordSource | { ids: readonly string[] }, options: WriteOptions): Promise<void> {
    if (options.rejects === undefined) return;
    const { checkRejects } = await writers();
    const inputs = 'files' in source ? source.files.filter((file) => file !== '-' || source.stdin === undefined || source.stdin === process.stdin) : [];
    checkRejects(options.rejects, (await this.info()).files, inputs);
  }

  /** Saves records (SPEC §2): each is added, updated or unchanged against what is stored, in one atomic run. */
  async save(name: DatasetName, source: RecordSource, options: SaveOptions = {}): Promise<SaveResult> {
    await this.checkRejects(source, options);
    const w = await writers();
    const { SaveRun, IgnoreFields, saveBatches } = w;
    const ignoreFields = options.ignoreFields ?? [];
    const run = new SaveRun(this.store, datasetOf(name), options, new IgnoreFields(ignoreFields), this.now);
    await this.execute(run, options.signal, () =>
      saveBatches(run, (signal) => this.batches(w, source, signal), ignoreFields, { ...options, warn: options.onWarning }),
    );
    return { ...run.summary, deletionSkipped: run.deletionSkipped };
  }

  /** Soft-deletes records by id (`{ ids }`), or by the `id` of each record of a source. Never creates the dataset. */
  async delete(name: DatasetName, source: { ids: readonly string[] } | RecordSource, options: WriteOptions = {}): Promise<Summary> {
    await this.checkRejects(source, options);
    const { DeleteRun, checkId, parseId, RecordError } = await writers();
    const run = new DeleteRun(this.store, datasetOf(name), this.now);
    await this.execute(run, options.signal, async () => {
      if ('ids' in source) {
        const ids = source.ids.map((id: unknown) => {
          if (typeof id !== 'string') {
            throw new InvalidArgumentError(`${typeof id === 'number' ? id : typeof id} is not a string (a record saved with "id": 7 has the id "7")`, 'invalid id');
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
      await this.feed(source, options, run, (text) => parseId(text), (ids) => run.write(ids, options.signal));
    });
    return run.summary;
  }

  /** Deep-merges partial records into live records (objects merge key by key; arrays and scalars replace). Never creates the dataset. */
  async update(name: DatasetName, source: RecordSource, options: UpdateOptions = {}): Promise<Summary> {
    await this.checkRejects(source, options);
    const { UpdateRun, IgnoreFields, preparePartial } = await writers();
    const run = new UpdateRun(this.store, datasetOf(name), new IgnoreFields(options.ignoreFields ?? []), this.now);
    await this.execute(run, options.signal, () => this.feed<PartialRecord>(source, options, run, preparePartial, (partials) => run.write(partials, options.signal)));
    return run.summary;
  }

  /** Reads a source line by line and writes what each line gives, a batch of the input at a time. */
  private async feed<T>(
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
        this.batches(w, source, signal),
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

  /** A reader of a dataset's change stream, page by page; the cursor is checked against this database. */
  async reader(name: DatasetName, query: ChangeQuery = {}): Promise<ChangeReader> {
    const dataset = datasetOf(name);
    checkQuery(query);
    const info = await this.info();
    const after = query.fromEnd ? info.lastPosition : query.cursor === undefined || query.cursor === '' ? undefined : positionOf(query.cursor, info);
    return new ChangeReader(this.store, info, dataset, { ...query, after });
  }

  /** One record of a dataset, whatever its state, as the change stream shows it; undefined when there is none. */
  async record(name: DatasetName, id: string): Promise<Change | undefined> {
    const ref = await this.store.findDataset(datasetOf(name));
    return ref === undefined ? undefined : this.store.readRecord(ref, id);
  }

  /** The dataset's records whose latest change comes after the cursor, in change order, as Nango's API shows them. */
  async *changes(name: DatasetName, options: ReadOptions = {}): AsyncGenerator<CacheRecord> {
    checkCount(options.limit, 'limit', 0);
    const reader = await this.reader(name, options);
    let left = options.limit ?? Number.POSITIVE_INFINITY;
    while (left > 0) {
      const want = Math.min(PAGE, left);
      const page = await reader.next(want);
      for (const change of page) yield JSON.parse(recordJson(change, reader.cursorOf(change.position))) as CacheRecord;
      left -= page.length;
      if (page.length < want) return;
    }
  }

  /** As changes(), then each new change as it is committed, until the signal aborts or the limit is reached. */
  async *follow(name: DatasetName, options: FollowOptions = {}): AsyncGenerator<CacheRecord> {
    checkCount(options.limit, 'limit', 0);
    if (options.interval !== undefined && !(options.interval > 0 && options.interval <= 2 ** 31 - 1)) {
      throw new InvalidArgumentError(`must be a number of milliseconds above 0, not ${String(options.interval)}`, 'interval');
    }
    const reader = await this.reader(name, options);
    let left = options.limit ?? Number.POSITIVE_INFINITY;
    while (left > 0 && !options.signal?.aborted) {
      // Taken before the read: a commit made while the page is consumed is not missed.
      const version = await this.store.version();
      for (;;) {
        const want = Math.min(PAGE, left);
        const page = await reader.next(want);
        for (const change of page) yield JSON.parse(recordJson(change, reader.cursorOf(change.position))) as CacheRecord;
        left -= page.length;
        if (page.length < want || left === 0) break;
      }
      if (left === 0) return;
      const { reason } = await this.store.waitForCommit(version, { interval: options.interval ?? 1000, signal: options.signal });
      if (reason === 'replaced') throw new StoreError('dataset-changed', 'the database was deleted or replaced while it was followed');
    }
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
    return this.store.waitForCommit(version, { ...options, interval: options.interval ?? 1000 });
  }

  /** Retention (SPEC §5): payload TTL and dataset TTL, measured against the clock. */
  async prune(options: PruneOptions): Promise<PruneResult> {
    const now = this.now();
    const counts = await retention.prune(this.store, this.now, {
      payloadCutoff: now - options.payloadTtl,
      datasetCutoff: now - options.datasetTtl,
      dataset: options.dataset === undefined ? undefined : datasetOf(options.dataset),
      dryRun: options.dryRun === true,
      compact: options.compact,
    });
    const result: PruneResult = { pruned: counts.pruned, datasets_expired: counts.datasetsExpired, records_deleted: counts.recordsDeleted, reclaimed_bytes: counts.reclaimedBytes };
    if (counts.notReclaimed !== undefined) result.not_reclaimed = counts.notReclaimed;
    return result;
  }

  /**
   * Drops the payloads of a dataset's records up to and including `cursor` (Nango's pruneRecords);
   * at most `limit`. With `compact`, then gives the space freed back (`reclaimedBytes`).
   */
  async pruneUntil(
    name: DatasetName,
    cursor: string,
    options: { limit?: number; dryRun?: boolean; compact?: boolean } = {},
  ): Promise<PruneUntilCounts> {
    const until = positionOf(cursor, await this.info());
    return retention.pruneUntil(this.store, this.now, datasetOf(name), until, { limit: options.limit, dryRun: options.dryRun === true, compact: options.compact });
  }

  /** Hard-deletes every record of a dataset, to sync it again from scratch; undefined (nothing created) when there is no such dataset. */
  async reset(name: DatasetName): Promise<number | undefined> {
    return retention.reset(this.store, this.now, datasetOf(name));
  }

  /** The run history counted by kind and by outcome: changed, unchanged or rejected. */
  runCounts(): Promise<RunCount[]> {
    return this.store.runCounts();
  }

  /** Every dataset's counts, or those matching `filter`. */
  stats(filter?: Partial<Dataset>): Promise<DatasetCounts[]> {
    return this.store.datasets(filter);
  }

  /** The run history, oldest first unless asked otherwise. */
  runs(query: Partial<RunQuery> = {}): Promise<RunRecord[]> {
    return this.store.runs({ order: 'oldest-first', ...query });
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** Opens the cache at a file path (SQLite), or a `postgres://` URL where that store is available. */
export async function openCache(location: string, options: CacheOptions = {}): Promise<Cache> {
  const store = await openStore(location, { readonly: options.readonly, busyTimeout: options.busyTimeout, create: options.create });
  return new Cache(store, options.now ?? Date.now);
}

