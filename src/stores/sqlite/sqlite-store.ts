import type { Statement } from 'better-sqlite3';
import { realpathSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFERRED_HASH,
  StoreError,
  type BeginOptions,
  type Change,
  type ChangePage,
  type Dataset,
  type DatabaseInfo,
  type DatasetCounts,
  type DatasetRef,
  type PruneCounts,
  type PruneRequest,
  type PruneUntilCounts,
  type RunCount,
  type RunKind,
  type RunQuery,
  type RunRecord,
  type Store,
  type StoreOptions,
  type Summary,
  type WaitOptions,
  type WaitResult,
  type WriteRun,
} from '../store.js';
import { DEFAULT_BUSY_TIMEOUT, openDatabase, refreshCopy, type Db } from './connection.js';
import { translate } from './errors.js';
import { SqliteWriteRun } from './write-run.js';

type ChangeRow = [string, string | null, number, Change['action'], number, number, number | null, number | null];

const CHANGE_COLUMNS = 'id, payload, position, action, first_seen_at, last_modified_at, deleted_at, pruned_at';

function toChange(row: ChangeRow): Change {
  return {
    id: row[0],
    payload: row[1],
    position: row[2],
    action: row[3],
    firstSeenAt: row[4],
    lastModifiedAt: row[5],
    deletedAt: row[6],
    prunedAt: row[7],
  };
}

function changesSql(page: ChangePage): string {
  const newest = page.order === 'newest-first';
  // With ids, the unary plus keeps SQLite from walking the position index: looking each id up is far cheaper.
  const position = page.ids?.length ? '+position' : 'position';
  let sql = `SELECT ${CHANGE_COLUMNS} FROM records WHERE dataset_id = @dataset`;
  if (page.after !== undefined) sql += ` AND ${position} > @after`;
  if (page.before !== undefined) sql += ` AND ${position} < @before`;
  if (page.actions?.length) sql += ' AND action IN (SELECT value FROM json_each(@actions))';
  if (page.ids?.length) sql += ' AND id IN (SELECT value FROM json_each(@ids))';
  if (page.modifiedAfter !== undefined) sql += ' AND last_modified_at >= @modifiedAfter';
  return sql + (newest ? ` ORDER BY ${position} DESC` : ` ORDER BY ${position}`) + ' LIMIT @limit';
}

function narrow(dataset: Partial<Dataset> | undefined): { where: string; params: string[] } {
  const clauses: string[] = [];
  const params: string[] = [];
  for (const key of ['integration', 'connection', 'model'] as const) {
    const value = dataset?.[key];
    if (value !== undefined) {
      clauses.push(`${key} = ?`);
      params.push(value);
    }
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

function fileIdentity(path: string): string | undefined {
  const stat = statSync(path, { throwIfNoEntry: false, bigint: true });
  return stat === undefined ? undefined : `${stat.dev}:${stat.ino}`;
}

/** Counts of one run, for the history. */
type RunCounts = Partial<Summary> & { pruned?: number };

/** rcache's records in one SQLite file, in WAL mode: readers never wait for the writer. */
export class SqliteStore implements Store {
  private readonly statements = new Map<string, Statement>();
  private hashFunction = false;
  private open: SqliteWriteRun | undefined;
  /** The file opened, as device and inode. */
  private readonly fileIdentity: string | undefined;

  constructor(
    public db: Db,
    readonly path: string,
    readonly busyTimeout: number,
  ) {
    this.fileIdentity = fileIdentity(path);
  }

  /** A reader that reads a copy of the file in memory reads a new copy once the file has changed. */
  private refresh(): void {
    const fresh = refreshCopy(this.db, this.path);
    if (fresh === undefined) return;
    this.db.close();
    this.db = fresh;
    this.statements.clear();
    this.hashFunction = false;
  }

  /** A prepared statement, prepared once per connection. */
  statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  /** Runs `work` so that any SQLite failure reaches callers as a StoreError. */
  guard<T>(doing: 'read' | 'write', work: () => T): T {
    if (this.open === undefined) this.refresh();
    try {
      return work();
    } catch (error) {
      throw translate(error, this.path, doing);
    }
  }

  async info(): Promise<DatabaseInfo> {
    const meta = this.guard('read', () => this.statement('SELECT database_id, (SELECT last_value FROM positions WHERE id = 1) AS last FROM meta WHERE id = 1').get()) as
      | { database_id: string; last: number }
      | undefined;
    let bytes = 0;
    for (const file of [this.path, `${this.path}-wal`]) bytes += statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    // SQLite keeps its companion files beside the real file when the database is reached by a link.
    let real = this.path;
    try {
      real = realpathSync(this.path);
    } catch {
      // Deleted since it was opened: its files are named by the path it was opened at.
    }
    const files = [real, ...['-wal', '-shm', '-journal'].map((suffix) => real + suffix)];
    return { id: meta!.database_id, kind: 'sqlite', location: this.path, bytes, lastPosition: meta!.last, files };
  }

  private datasetRow(dataset: Dataset): DatasetRef | undefined {
    const row = this.statement('SELECT id, generation FROM datasets WHERE integration = ? AND connection = ? AND model = ?').get(
      dataset.integration,
      dataset.connection,
      dataset.model,
    ) as { id: number; generation: number } | undefined;
    return row === undefined ? undefined : { ...dataset, uid: row.id, generation: row.generation };
  }

  async findDataset(dataset: Dataset): Promise<DatasetRef | undefined> {
    return this.guard('read', () => this.datasetRow(dataset));
  }

  /** The dataset's row, created with an id never used before; call inside a write transaction. */
  ensureDataset(dataset: Dataset): DatasetRef {
    const found = this.datasetRow(dataset);
    if (found) return found;
    const uid = this.statement('INSERT INTO datasets (integration, connection, model) VALUES (?, ?, ?) RETURNING id')
      .pluck()
      .get(dataset.integration, dataset.connection, dataset.model) as number;
    return { ...dataset, uid, generation: 0 };
  }

  /**
   * Takes the write lock without blocking the event loop: while another writer holds it, this
   * retries every few milliseconds (up to the busy timeout), so a signal can still stop the wait.
   */
  private async lock(signal: AbortSignal | undefined): Promise<void> {
    const deadline = Date.now() + this.busyTimeout;
    const blocking = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      for (;;) {
        try {
          this.db.exec('BEGIN IMMEDIATE');
          return;
        } catch (error) {
          const busy = String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY');
          if (!busy || Date.now() >= deadline) throw translate(error, this.path, 'write');
        }
        try {
          await sleep(20, undefined, { signal });
        } catch (error) {
          throw signal?.aborted ? signal.reason : error;
        }
      }
    } finally {
      this.db.pragma(`busy_timeout = ${blocking}`);
    }
  }

  /** Runs `work` in one write transaction, holding the lock as a run does. */
  private async transaction<T>(work: () => T, signal?: AbortSignal): Promise<T> {
    await this.lock(signal);
    try {
      const result = this.guard('write', work);
      this.guard('write', () => this.db.exec('COMMIT'));
      return result;
    } finally {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    }
  }

  /** The time to stamp on changes: never earlier than one stamped before. Inside a write transaction. */
  stampTime(now: number): number {
    return this.statement('UPDATE meta SET last_time = max(last_time, ?) WHERE id = 1 RETURNING last_time').pluck().get(now) as number;
  }

  async beginRun(dataset: Dataset, options: BeginOptions): Promise<WriteRun | undefined> {
    if (this.open) throw new Error('a run is already open on this store');
    await this.lock(options.signal);
    try {
      return this.guard('write', () => {
        const ref = options.create ? this.ensureDataset(dataset) : this.datasetRow(dataset);
        if (ref === undefined) {
          this.db.exec('ROLLBACK');
          return undefined;
        }
        const time = this.stampTime(options.now);
        const startPosition = this.statement('SELECT last_value FROM positions WHERE id = 1').pluck().get() as number;
        const live = this.statement('SELECT live FROM datasets WHERE id = ?').pluck().get(ref.uid) as number;
        const empty = this.statement('SELECT NOT EXISTS (SELECT 1 FROM records WHERE dataset_id = ?)').pluck().get(ref.uid) === 1;
        this.open = new SqliteWriteRun(this, options.kind, ref, time, startPosition, empty, live, () => (this.open = undefined));
        return this.open;
      });
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Adds a run to the history that `stats --runs` shows; inside a write transaction. */
  recordRun(kind: RunKind, dataset: Dataset, startedAt: number, finishedAt: number, counts: RunCounts): void {
    this.statement(
      `INSERT INTO runs (kind, integration, connection, model, started_at, finished_at,
         added, updated, unchanged, deleted, unknown, duplicates, rejected, pruned)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      kind,
      dataset.integration,
      dataset.connection,
      dataset.model,
      startedAt,
      finishedAt,
      counts.added ?? 0,
      counts.updated ?? 0,
      counts.unchanged ?? 0,
      counts.deleted ?? 0,
      counts.unknown ?? 0,
      counts.duplicates ?? 0,
      counts.rejected ?? 0,
      counts.pruned ?? 0,
    );
    this.statement('UPDATE datasets SET runs = runs + 1, last_run_at = ? WHERE integration = ? AND connection = ? AND model = ?').run(
      finishedAt,
      dataset.integration,
      dataset.connection,
      dataset.model,
    );
  }

  async readChanges(ref: DatasetRef, page: ChangePage): Promise<Change[]> {
    return this.guard('read', () =>
      this.db
        .transaction(() => {
          this.checkCurrent(ref);
          // Rows come as arrays: better-sqlite3 builds objects for each row far more slowly than this loop.
          const rows = this.statement(changesSql(page))
            .raw(true)
            .all({
              dataset: ref.uid,
              after: page.after,
              before: page.before,
              limit: page.limit,
              actions: page.actions?.length ? JSON.stringify(page.actions) : undefined,
              ids: page.ids?.length ? JSON.stringify(page.ids) : undefined,
              modifiedAfter: page.modifiedAfter,
            }) as ChangeRow[];
          return rows.map(toChange);
        })
        .deferred(),
    );
  }

  private checkCurrent(ref: DatasetRef): void {
    const generation = this.statement('SELECT generation FROM datasets WHERE id = ?').pluck().get(ref.uid) as number | undefined;
    if (generation === undefined) {
      throw new StoreError('dataset-changed', `the dataset ${ref.model} was expired (all its records deleted) after this reader began`);
    }
    if (generation !== ref.generation) throw new StoreError('dataset-changed', `the dataset ${ref.model} was reset (all its records deleted) after this reader began`);
  }

  async readRecord(ref: DatasetRef, id: string): Promise<Change | undefined> {
    return this.guard('read', () => {
      const row = this.statement(`SELECT ${CHANGE_COLUMNS} FROM records WHERE dataset_id = ? AND id = ?`).raw(true).get(ref.uid, id) as ChangeRow | undefined;
      return row === undefined ? undefined : toChange(row);
    });
  }

  async version(): Promise<number> {
    // Every commit that changes anything records a run in the same transaction.
    return this.guard('read', () => (this.statement('SELECT coalesce(max(number), 0) FROM runs').pluck().get() as number));
  }

  async waitForCommit(version: number, options: WaitOptions): Promise<WaitResult> {
    for (;;) {
      if (options.signal?.aborted) return { reason: 'aborted', version };
      if (this.fileReplaced()) return { reason: 'replaced', version };
      const current = await this.version();
      if (current !== version) return { reason: 'committed', version: current };
      if (options.stop?.()) return { reason: 'stopped', version };
      try {
        await sleep(options.interval, undefined, { signal: options.signal });
      } catch {
        return { reason: 'aborted', version };
      }
    }
  }

  /** Whether the file at the path is no longer the one opened (deleted, or another put in its place). */
  private fileReplaced(): boolean {
    return this.fileIdentity !== undefined && fileIdentity(this.path) !== this.fileIdentity;
  }

  async datasets(filter?: Partial<Dataset>): Promise<DatasetCounts[]> {
    const { where, params } = narrow(filter);
    return this.guard(
      'read',
      () =>
        this.statement(
          `SELECT integration, connection, model, live, deleted, pruned, bytes, runs, last_run_at AS lastRunAt, last_change_at AS lastChangeAt
           FROM datasets ${where} ORDER BY integration, connection, model`,
        ).all(...params) as DatasetCounts[],
    );
  }

  async runs(query: RunQuery): Promise<RunRecord[]> {
    const { where, params } = narrow(query.dataset);
    let sql = `SELECT number, kind, integration, connection, model, started_at AS startedAt, finished_at AS finishedAt,
         added, updated, unchanged, deleted, unknown, duplicates, rejected, pruned
       FROM runs ${where}`;
    const values: (string | number)[] = [...params];
    if (query.since !== undefined) {
      sql += `${where ? ' AND' : ' WHERE'} started_at >= ?`;
      values.push(query.since);
    }
    sql += query.order === 'newest-first' ? ' ORDER BY number DESC' : ' ORDER BY number';
    if (query.limit !== undefined) {
      sql += ' LIMIT ?';
      values.push(query.limit);
    }
    return this.guard('read', () => this.statement(sql).all(...values) as RunRecord[]);
  }

  async runCounts(): Promise<RunCount[]> {
    return this.guard(
      'read',
      () =>
        this.statement(
          `SELECT kind, CASE WHEN rejected > 0 THEN 'rejected'
               WHEN added + updated + deleted + pruned > 0 THEN 'changed' ELSE 'unchanged' END AS outcome,
             count(*) AS count
           FROM runs GROUP BY 1, 2 ORDER BY 1, 2`,
        ).all() as RunCount[],
    );
  }

  /** SQL function `payload_hash(payload)`: the hash a deferred hash stands for, to be kept once the payload goes. */
  private async defineHashFunction(): Promise<void> {
    if (this.hashFunction) return;
    // Loaded here: only a prune needs the hashing code, and readers start faster without it.
    const { storedPayloadHash } = await import('../../decisions/hash.js');
    this.db.function('payload_hash', { deterministic: true }, (payload) => storedPayloadHash(payload as string));
    this.hashFunction = true;
  }

  /**
   * Drops the payloads selected by `where` (over `records`) in one dataset, keeping its counters
   * exact. A deferred hash is computed first: the record keeps its hash without its payload.
   */
  private dropPayloads(datasetId: number, where: string, params: unknown[], at: number): number {
    const { count, bytes } = this.statement(
      `SELECT count(*) AS count, coalesce(sum(size), 0) AS bytes FROM records WHERE dataset_id = ? AND pruned_at IS NULL AND ${where}`,
    ).get(datasetId, ...params) as { count: number; bytes: number };
    if (count === 0) return 0;
    this.statement(
      `UPDATE records SET hash = iif(hash = '${DEFERRED_HASH}', payload_hash(payload), hash), payload = NULL, pruned_at = ?
       WHERE dataset_id = ? AND pruned_at IS NULL AND ${where}`,
    ).run(at, datasetId, ...params);
    this.statement('UPDATE datasets SET pruned = pruned + ?, bytes = bytes - ? WHERE id = ?').run(count, bytes, datasetId);
    return count;
  }

  /** Deletes every record of a dataset; with `dropDataset` the dataset itself goes too. Returns the count. */
  private deleteRecords(datasetId: number, dropDataset: boolean): number {
    const { changes } = this.statement('DELETE FROM records WHERE dataset_id = ?').run(datasetId);
    if (dropDataset) this.statement('DELETE FROM datasets WHERE id = ?').run(datasetId);
    else this.statement('UPDATE datasets SET live = 0, deleted = 0, pruned = 0, bytes = 0, generation = generation + 1 WHERE id = ?').run(datasetId);
    return changes;
  }

  async prune(request: PruneRequest): Promise<PruneCounts> {
    const result: PruneCounts = { pruned: 0, datasetsExpired: 0, recordsDeleted: 0, reclaimedBytes: 0 };
    const { dryRun } = request;
    const work = () => {
      const at = dryRun ? request.now : this.stampTime(request.now);
      let sql = `SELECT id, integration, connection, model, coalesce(last_sync_at, last_run_at) AS last_active_at FROM datasets`;
      const { where, params } = narrow(request.dataset);
      sql += ` ${where}`;
      const datasets = this.statement(sql).all(...params) as (Dataset & { id: number; last_active_at: number | null })[];
      for (const dataset of datasets) {
        if (dataset.last_active_at === null || dataset.last_active_at <= request.datasetCutoff) {
          const count = dryRun
            ? (this.statement('SELECT count(*) FROM records WHERE dataset_id = ?').pluck().get(dataset.id) as number)
            : this.deleteRecords(dataset.id, true);
          result.datasetsExpired++;
          result.recordsDeleted += count;
          if (!dryRun) this.recordRun('prune', dataset, at, at, { deleted: count });
          continue;
        }
        const count = dryRun
          ? (this.statement('SELECT count(*) FROM records WHERE dataset_id = ? AND pruned_at IS NULL AND last_modified_at <= ?')
              .pluck()
              .get(dataset.id, request.payloadCutoff) as number)
          : this.dropPayloads(dataset.id, 'last_modified_at <= ?', [request.payloadCutoff], at);
        result.pruned += count;
        if (count > 0 && !dryRun) this.recordRun('prune', dataset, at, at, { pruned: count });
      }
    };
    if (dryRun) {
      this.guard('read', () => this.db.transaction(work).deferred());
      return result;
    }
    await this.defineHashFunction();
    await this.transaction(work);
    return request.compact ? { ...result, ...this.compactAfterPrune() } : result;
  }

  /** Compacts after a committed prune, whose counts stand whatever becomes of the space. */
  private compactAfterPrune(): { reclaimedBytes: number; notReclaimed?: string } {
    try {
      return { reclaimedBytes: this.compact() };
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      return { reclaimedBytes: 0, notReclaimed: error.message };
    }
  }

  /** Rewrites the file without its free space; the bytes given back to the file system. */
  private compact(): number {
    return this.guard('write', () => {
      const size = () => (statSync(this.path, { throwIfNoEntry: false })?.size ?? 0) + (statSync(`${this.path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      const before = size();
      this.db.exec('VACUUM');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      return Math.max(0, before - size());
    });
  }

  async pruneUntil(
    dataset: Dataset,
    until: number,
    options: { now: number; limit?: number; dryRun: boolean; compact?: boolean },
  ): Promise<PruneUntilCounts> {
    const ref = await this.findDataset(dataset);
    const reclaim = () => (options.compact && !options.dryRun ? this.compactAfterPrune() : { reclaimedBytes: 0 });
    if (ref === undefined) return { count: 0, hasMore: false, ...reclaim() };
    const id = ref.uid;
    const countLeft = () => this.statement('SELECT count(*) FROM records WHERE dataset_id = ? AND pruned_at IS NULL AND position <= ?').pluck().get(id, until) as number;
    if (options.dryRun) {
      return this.guard('read', () => {
        const left = countLeft();
        const count = options.limit === undefined ? left : Math.min(left, options.limit);
        return { count, hasMore: left > count, reclaimedBytes: 0 };
      });
    }
    await this.defineHashFunction();
    const pruned = await this.transaction(() => {
      const at = this.stampTime(options.now);
      const count =
        options.limit === undefined
          ? this.dropPayloads(id, 'position <= ?', [until], at)
          : this.dropPayloads(
              id,
              'rowid IN (SELECT rowid FROM records WHERE dataset_id = ? AND pruned_at IS NULL AND position <= ? ORDER BY position LIMIT ?)',
              [id, until, options.limit],
              at,
            );
      const hasMore = this.statement('SELECT 1 FROM records WHERE dataset_id = ? AND pruned_at IS NULL AND position <= ? LIMIT 1').get(id, until) !== undefined;
      if (count > 0) this.recordRun('prune', dataset, at, at, { pruned: count });
      return { count, hasMore };
    });
    return { ...pruned, ...reclaim() };
  }

  async reset(dataset: Dataset, now: number): Promise<number | undefined> {
    return this.transaction(() => {
      const ref = this.datasetRow(dataset);
      if (ref === undefined) return undefined;
      const count = this.deleteRecords(ref.uid, false);
      const at = this.stampTime(now);
      this.recordRun('reset', dataset, at, at, { deleted: count });
      return count;
    });
  }

  async close(): Promise<void> {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }
}

export async function openSqliteStore(path: string, options: StoreOptions): Promise<SqliteStore> {
  const busyTimeout = options.busyTimeout ?? DEFAULT_BUSY_TIMEOUT;
  return new SqliteStore(openDatabase(path, { readonly: options.readonly, busyTimeout, create: options.create }), path, busyTimeout);
}
