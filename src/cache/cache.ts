import { datasetOf, type DatasetName } from '../decisions/dataset.js';
import { CursorError, InterruptedError, InvalidArgumentError, StoreError } from '../errors.js';
import { recordJson } from '../io/records.js';
import type { RecordSource } from '../io/sources.js';
import { displayLocation, openStore } from '../stores/open.js';
import { QueuedStore } from '../stores/queued-store.js';
import type {
  Change,
  DatabaseInfo,
  Dataset,
  DatasetCounts,
  DatasetRunCount,
  Deliveries,
  RunCount,
  RunRecord,
  RunQuery,
  Store,
  WaitOptions,
  WaitResult,
} from '../stores/store.js';
import type { PartialRecord } from './edit-runs.js';
import { checkOptions } from './options.js';
import { ChangeReader, checkCount, checkQuery, positionOf, type ChangeQuery } from './reader.js';
import type { LibraryRun } from './runs.js';
import type {
  CacheOptions,
  CacheRecord,
  FollowOptions,
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

// Writers are loaded when first used: a program (or command) that only reads never loads them.
const writers = () => import('./writers.js');
type Writers = Awaited<ReturnType<typeof writers>>;
// So is retention: the commands that read or save records need none of it.
const retention = () => import('./retention.js');

const PAGE = 1000;

/** An open records cache: save, delete and update records, read and follow the change stream, retention, stats. */

export class Cache {
  private readonly store: Store;

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

  /** The position of an `unlessModifiedAfter` cursor in this database, checked before anything is read. */
  private async unlessModifiedAfter(options: WriteOptions): Promise<number | undefined> {
    const cursor = options.unlessModifiedAfter;
    if (cursor === undefined) return undefined;
    const what = 'unlessModifiedAfter';
    if (typeof cursor !== 'string') throw new InvalidArgumentError(`takes a cursor that rcache printed (rcache cursor), not a ${typeof cursor}`, what, ' ');
    try {
      return positionOf(cursor, await this.info());
    } catch (error) {
      if (error instanceof CursorError) throw new CursorError(`takes a cursor of this database: ${error.message}`, what, ' ');
      if (error instanceof InvalidArgumentError) throw new CursorError(`takes a cursor that rcache printed (rcache cursor), not '${cursor}'`, what, ' ');
      throw error;
    }
  }

  /** Saves records (SPEC §2): each is added, updated or unchanged against what is stored, in one atomic run. */
  async save(name: DatasetName, source: RecordSource, options: SaveOptions = {}): Promise<SaveResult> {
    checkOptions(options, 'save');
    await this.checkRejects(source, options);
    const w = await writers();
    const { SaveRun, readyRules, saveBatches, deleteLimit, versionPath } = w;
    const dataset = datasetOf(name);
    const maxDelete = options.maxDelete === undefined ? undefined : deleteLimit(options.maxDelete);
    let path: string[] | undefined;
    if (options.versionField !== undefined) {
      path = typeof options.versionField === 'string' ? versionPath(options.versionField) : undefined;
      if (path === undefined)
        throw new InvalidArgumentError(
          `takes a dotted field path (updated_at, meta.version), not ${JSON.stringify(options.versionField)}`,
          'versionField',
          ' ',
        );
    }
    const rules = { ignoreFields: options.ignoreFields ?? [], versionPath: path, schema: options.schema };
    const run = new SaveRun(this.store, dataset, { ...options, maxDelete }, { rules, ready: await readyRules(rules) }, this.now);
    run.unlessModifiedAfter = await this.unlessModifiedAfter(options);
    await this.execute(run, options.signal, () => saveBatches(run, (signal) => this.batches(w, source, signal), { ...options, warn: options.onWarning }));
    const result: SaveResult = { ...run.summary, skipped: run.skipped, deletionSkipped: run.deletionSkipped };
    if (run.liveBefore !== undefined) result.liveBefore = run.liveBefore;
    return result;
  }

  /** Soft-deletes records by id (`{ ids }`), or by the `id` of each record of a source. Never creates the dataset. */
  async delete(name: DatasetName, source: { ids: readonly string[] } | RecordSource, options: WriteOptions = {}): Promise<WriteResult> {
    checkOptions(options, 'delete');
    await this.checkRejects(source, options);
    const { DeleteRun, checkId, parseId, RecordError } = await writers();
    const run = new DeleteRun(this.store, datasetOf(name), this.now);
    run.unlessModifiedAfter = await this.unlessModifiedAfter(options);
    await this.execute(run, options.signal, async () => {
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
      await this.feed(
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
  async update(name: DatasetName, source: RecordSource, options: UpdateOptions = {}): Promise<WriteResult> {
    checkOptions(options, 'update');
    await this.checkRejects(source, options);
    const { UpdateRun, readyRules, preparePartial } = await writers();
    const dataset = datasetOf(name);
    const run = new UpdateRun(this.store, dataset, await readyRules({ ignoreFields: options.ignoreFields ?? [], schema: options.schema }), this.now);
    run.unlessModifiedAfter = await this.unlessModifiedAfter(options);
    await this.execute(run, options.signal, () =>
      this.feed<PartialRecord>(source, options, run, preparePartial, (partials) => run.write(partials, options.signal)),
    );
    return { ...run.summary, skipped: run.skipped };
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
    checkOptions(query, 'reader');
    checkQuery(query);
    const info = await this.info();
    const after = query.fromEnd ? await this.endOf(dataset) : query.cursor === undefined || query.cursor === '' ? undefined : positionOf(query.cursor, info);
    return new ChangeReader(this.store, info, dataset, { ...query, after });
  }

  /** "Now" in the dataset's stream, which is after its last reset or expiry even when no record has come since. */
  private async endOf(dataset: Dataset): Promise<number> {
    const [end, horizon] = await Promise.all([this.store.endOf(dataset), this.store.findHorizon(dataset)]);
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
    const reader = await this.reader(name, query);
    let left = limit ?? Number.POSITIVE_INFINITY;
    while (left > 0) {
      const want = Math.min(PAGE, left);
      const page = await reader.next(want);
      for (const change of page) yield shaped(change, reader, text);
      left -= page.length;
      if (page.length < want) return;
    }
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
    const reader = await this.reader(name, query);
    let left = limit ?? Number.POSITIVE_INFINITY;
    while (left > 0 && !signal?.aborted) {
      // Taken before the read: a commit made while the page is consumed is not missed.
      const version = await this.store.version();
      for (;;) {
        const want = Math.min(PAGE, left);
        const page = await reader.next(want);
        for (const change of page) yield shaped(change, reader, text);
        left -= page.length;
        if (page.length < want || left === 0) break;
      }
      if (left === 0) return;
      const { reason } = await this.store.waitForCommit(version, { interval: interval ?? 1000, signal });
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

  /** Every dataset's counts, or those matching `filter`. */
  stats(filter?: Partial<Dataset>): Promise<DatasetCounts[]> {
    return this.store.datasets(filter);
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
}

/**
 * A change as changes() and follow() yield it: an object as Nango's API gives it, or, with `text`,
 * its JSON text, whose numbers keep the digits that JSON.parse would round.
 */
function shaped(change: Change, reader: ChangeReader, text: boolean | undefined): CacheRecord | string {
  const json = recordJson(change, reader.cursorOf(change.position));
  return text ? json : (JSON.parse(json) as CacheRecord);
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
