import pg from 'pg';
import { storedPayloadHash } from '../../decisions/hash.js';
import {
  DEFERRED_HASH,
  StoreError,
  type BeginOptions,
  type Change,
  type ChangePage,
  type DatabaseInfo,
  type Dataset,
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
import { storeError } from './errors.js';
import { prepared } from './statements.js';
import { parseLocation, unparsable } from './location.js';
import { ensureSchema } from './schema.js';
import { escapeText, unescapeText } from './text.js';
import { CommitWatch } from './watch.js';
import { NOTIFY_AND_COMMIT, PostgresRun } from './write-run.js';

const DEFAULT_BUSY_TIMEOUT = 60_000;
/** Connections a store opens at most: a run holds one, readers (a server's requests) share the rest. */
const POOL_SIZE = 8;
/** Rows whose deferred hash prune computes per round trip. */
const HASH_BATCH = 1000;

// Positions, counters and times are bigint columns; as JavaScript numbers they are exact up to 2^53.
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8 ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

const CHANGE_COLUMNS = 'r.id, r.payload, r.position, r.action, r.first_seen_at, r.last_modified_at, r.deleted_at, r.pruned_at';
type ChangeRow = [number, string | null, string | null, number | null, Change['action'], number, number, number | null, number | null];

function toChange(row: ChangeRow): Change {
  return {
    id: unescapeText(row[1]!),
    payload: row[2],
    position: row[3]!,
    action: row[4],
    firstSeenAt: row[5],
    lastModifiedAt: row[6],
    deletedAt: row[7],
    prunedAt: row[8],
  };
}

function names(dataset: Dataset): [string, string, string] {
  return [escapeText(dataset.integration), escapeText(dataset.connection), escapeText(dataset.model)];
}

/** `WHERE` clauses narrowing to the datasets matching every field given, with their parameters. */
function narrow(dataset: Partial<Dataset> | undefined, params: unknown[]): string[] {
  const clauses: string[] = [];
  for (const key of ['integration', 'connection', 'model'] as const) {
    const value = dataset?.[key];
    if (value === undefined) continue;
    params.push(escapeText(value));
    clauses.push(`${key} = $${params.length}`);
  }
  return clauses;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class PostgresStore implements Store {
  /** About 500 records of a few hundred bytes: each batch costs a round trip or two to the server. */
  readonly batchBytes = 256 * 1024;
  private readonly openRuns = new Set<PostgresRun>();
  private readonly watch: CommitWatch;

  constructor(
    private readonly pool: pg.Pool,
    private readonly config: pg.ClientConfig,
    private readonly where: string,
    private readonly databaseId: string,
    private readonly busyTimeout: number,
  ) {
    this.watch = new CommitWatch(
      async () => {
        const client = new pg.Client(this.config);
        client.on('error', () => {});
        try {
          await client.connect();
        } catch (error) {
          throw storeError(error, this.where);
        }
        return client;
      },
      // A database dropped and created again under the same name has another identity, or none yet.
      async (client) => {
        const { rows } = await client.query<{ id: string }>('SELECT database_id AS id FROM rcache.meta').catch(() => ({ rows: [] }));
        return rows[0]?.id === this.databaseId;
      },
    );
  }

  private async query<R extends unknown[]>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(prepared(sql, params))).rows;
    } catch (error) {
      throw storeError(error, this.where);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw storeError(error, this.where);
    }
  }

  /** Runs `work` in one transaction on its own connection. */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      await client.query(`BEGIN; SET LOCAL lock_timeout = ${Math.max(1, this.busyTimeout)}`);
      const result = await work(client);
      await client.query(NOTIFY_AND_COMMIT);
      client.release();
      return result;
    } catch (error) {
      let broken: Error | undefined;
      await client.query('ROLLBACK').catch((failure: Error) => (broken = failure));
      client.release(broken);
      throw storeError(error, this.where);
    }
  }

  async info(): Promise<DatabaseInfo> {
    const [[bytes, lastPosition]] = (await this.query<[number, number]>(
      `SELECT (SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'rcache' AND c.relkind IN ('r', 'S')),
              (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM rcache.positions)`,
    )) as [[number, number]];
    return { id: this.databaseId, kind: 'postgres', location: this.where, bytes, lastPosition, files: [] };
  }

  async beginRun(dataset: Dataset, options: BeginOptions): Promise<WriteRun | undefined> {
    const client = await this.connect();
    const abandon = (error?: unknown) => client.release(error === undefined ? undefined : new Error('abandoned'));
    const onAbort = () => abandon(true);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      options.signal?.throwIfAborted();
      const row = await this.lockDataset(client, dataset, options.create);
      if (row === undefined) {
        await client.query('ROLLBACK');
        client.release();
        return undefined;
      }
      const [uid, generation, live] = row;
      const { rows } = await client.query<[number, number, boolean]>({
        text: `SELECT (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM rcache.positions),
                 greatest((SELECT max(last_time) FROM rcache.datasets), (SELECT last_time FROM rcache.meta)),
                 NOT EXISTS (SELECT 1 FROM rcache.records WHERE dataset_id = $1)`,
        values: [uid],
        rowMode: 'array',
      });
      const [startPosition, lastTime, emptyAtStart] = rows[0]!;
      const run = new PostgresRun(
        client,
        {
          dataset: { ...dataset, uid, generation },
          time: Math.max(options.now, lastTime),
          startPosition,
          emptyAtStart,
          liveAtStart: live,
          kind: options.kind,
        },
        this.where,
        (ended) => this.openRuns.delete(ended),
      );
      this.openRuns.add(run);
      return run;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      await client.query('ROLLBACK').catch(() => {});
      abandon(error);
      throw storeError(error, this.where);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Begins a transaction holding the dataset's row lock, creating the row if asked: [uid,
   * generation, live], or undefined when it does not exist. READ COMMITTED: the lock is taken on
   * the latest committed row, and every later statement sees what committed before it was granted.
   */
  private async lockDataset(client: pg.ClientBase, dataset: Dataset, create: boolean): Promise<[number, number, number] | undefined> {
    const params = names(dataset);
    await client.query(`BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = ${Math.max(1, this.busyTimeout)}`);
    // A dataset expired while this run waited for it is gone: it is created again, under a new uid.
    for (let attempt = 0; attempt < 10; attempt++) {
      const { rows } = await client.query<[number, number, number]>({
        text: 'SELECT id, generation, live FROM rcache.datasets WHERE integration = $1 AND connection = $2 AND model = $3 FOR UPDATE',
        values: params,
        rowMode: 'array',
      });
      if (rows[0] !== undefined) return rows[0];
      if (!create) return undefined;
      await client.query('INSERT INTO rcache.datasets (integration, connection, model) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', params);
    }
    throw new StoreError('failed', `cannot take the lock of dataset ${dataset.model} at ${this.where}: it keeps being removed`);
  }

  async findDataset(dataset: Dataset): Promise<DatasetRef | undefined> {
    const rows = await this.query<[number, number]>(
      'SELECT id, generation FROM rcache.datasets WHERE integration = $1 AND connection = $2 AND model = $3',
      names(dataset),
    );
    const row = rows[0];
    return row === undefined ? undefined : { ...dataset, uid: row[0], generation: row[1] };
  }

  private changed(ref: DatasetRef): StoreError {
    return new StoreError('dataset-changed', `dataset ${ref.model} was expired or reset while it was being read`);
  }

  async readChanges(ref: DatasetRef, page: ChangePage): Promise<Change[]> {
    const params: unknown[] = [ref.uid, page.limit];
    const where = ['r.dataset_id = d.id'];
    const newest = page.order === 'newest-first';
    if (page.after !== undefined) {
      params.push(page.after);
      where.push(`r.position > $${params.length}`);
    }
    if (page.before !== undefined) {
      params.push(page.before);
      where.push(`r.position < $${params.length}`);
    }
    if (page.actions?.length) {
      params.push(JSON.stringify(page.actions));
      where.push(`r.action IN (SELECT json_array_elements_text($${params.length}::json))`);
    }
    if (page.ids?.length) {
      params.push(JSON.stringify(page.ids.map(escapeText)));
      where.push(`r.id IN (SELECT json_array_elements_text($${params.length}::json))`);
    }
    if (page.modifiedAfter !== undefined) {
      params.push(page.modifiedAfter);
      where.push(`r.last_modified_at >= $${params.length}`);
    }
    // One statement, one snapshot: the page and the dataset's identity are read together. No row
    // at all means the dataset is gone; a row of nulls, that the page is empty.
    const rows = await this.query<ChangeRow>(
      `SELECT d.generation, ${CHANGE_COLUMNS}
       FROM rcache.datasets d LEFT JOIN LATERAL (
         SELECT ${CHANGE_COLUMNS} FROM rcache.records r WHERE ${where.join(' AND ')}
         ORDER BY r.position ${newest ? 'DESC' : 'ASC'} LIMIT $2
       ) r ON true
       WHERE d.id = $1`,
      params,
    );
    if (rows.length === 0 || rows[0]![0] !== ref.generation) throw this.changed(ref);
    return rows.filter((row) => row[1] !== null).map(toChange);
  }

  async readRecord(ref: DatasetRef, id: string): Promise<Change | undefined> {
    const rows = await this.query<ChangeRow>(
      `SELECT d.generation, ${CHANGE_COLUMNS}
       FROM rcache.datasets d LEFT JOIN rcache.records r ON r.dataset_id = d.id AND r.id = $2
       WHERE d.id = $1`,
      [ref.uid, escapeText(id)],
    );
    if (rows.length === 0 || rows[0]![0] !== ref.generation) throw this.changed(ref);
    return rows[0]![1] === null ? undefined : toChange(rows[0]!);
  }

  version(): Promise<number> {
    return this.watch.version();
  }

  waitForCommit(version: number, options: WaitOptions): Promise<WaitResult> {
    return this.watch.wait(version, options);
  }

  async datasets(filter?: Partial<Dataset>): Promise<DatasetCounts[]> {
    const params: unknown[] = [];
    const clauses = narrow(filter, params);
    const rows = await this.query<[string, string, string, number, number, number, number, number, number | null, number | null]>(
      `SELECT integration, connection, model, live, deleted, pruned, bytes, runs, last_run_at, last_change_at
       FROM rcache.datasets ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''}
       ORDER BY integration, connection, model`,
      params,
    );
    return rows.map(([integration, connection, model, live, deleted, pruned, bytes, runs, lastRunAt, lastChangeAt]) => ({
      integration: unescapeText(integration),
      connection: unescapeText(connection),
      model: unescapeText(model),
      live,
      deleted,
      pruned,
      bytes,
      runs,
      lastRunAt,
      lastChangeAt,
    }));
  }

  async runs(query: RunQuery): Promise<RunRecord[]> {
    const params: unknown[] = [];
    const clauses = narrow(query.dataset, params);
    if (query.since !== undefined) {
      params.push(query.since);
      clauses.push(`started_at >= $${params.length}`);
    }
    let limit = '';
    if (query.limit !== undefined) {
      params.push(query.limit);
      limit = `LIMIT $${params.length}`;
    }
    type Row = [number, RunRecord['kind'], string, string, string, number, number, ...number[]];
    const rows = await this.query<Row>(
      `SELECT number, kind, integration, connection, model, started_at, finished_at,
         added, updated, unchanged, deleted, unknown, duplicates, rejected, pruned
       FROM rcache.runs ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''}
       ORDER BY number ${query.order === 'newest-first' ? 'DESC' : 'ASC'} ${limit}`,
      params,
    );
    return rows.map(([number, kind, integration, connection, model, startedAt, finishedAt, added, updated, unchanged, deleted, unknown, duplicates, rejected, pruned]) => ({
      number,
      kind,
      integration: unescapeText(integration),
      connection: unescapeText(connection),
      model: unescapeText(model),
      startedAt,
      finishedAt,
      added: added!,
      updated: updated!,
      unchanged: unchanged!,
      deleted: deleted!,
      unknown: unknown!,
      duplicates: duplicates!,
      rejected: rejected!,
      pruned: pruned!,
    }));
  }

  async runCounts(): Promise<RunCount[]> {
    const rows = await this.query<[RunKind, RunCount['outcome'], number]>(
      `SELECT kind, CASE WHEN rejected > 0 THEN 'rejected'
           WHEN added + updated + deleted + pruned > 0 THEN 'changed' ELSE 'unchanged' END AS outcome,
         count(*)
       FROM rcache.runs GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    return rows.map(([kind, outcome, count]) => ({ kind, outcome, count }));
  }

  async prune(request: PruneRequest): Promise<PruneCounts> {
    const counts: PruneCounts = { pruned: 0, datasetsExpired: 0, recordsDeleted: 0, reclaimedBytes: 0 };
    const params: unknown[] = [];
    const clauses = narrow(request.dataset, params);
    const select = `SELECT id, integration, connection, model, coalesce(last_sync_at, last_run_at)
      FROM rcache.datasets ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY id`;
    type Row = [number, string, string, string, number | null];
    const expired = (row: Row) => row[4] === null || row[4] <= request.datasetCutoff;
    const named = (row: Row): Dataset => ({ integration: row[1], connection: row[2], model: row[3] });

    if (request.dryRun) {
      for (const row of await this.query<Row>(select, params)) {
        if (expired(row)) {
          const [[count]] = (await this.query<[number]>('SELECT count(*) FROM rcache.records WHERE dataset_id = $1', [row[0]])) as [[number]];
          counts.datasetsExpired++;
          counts.recordsDeleted += count;
        } else {
          const [[count]] = (await this.query<[number]>(
            'SELECT count(*) FROM rcache.records WHERE dataset_id = $1 AND pruned_at IS NULL AND last_modified_at <= $2',
            [row[0], request.payloadCutoff],
          )) as [[number]];
          counts.pruned += count;
        }
      }
      return counts;
    }

    const pruned = await this.transaction(async (client) => {
      // Every dataset's lock, in one order: a prune waits for the writers it would disturb.
      const { rows } = await client.query<Row>({ text: `${select} FOR UPDATE`, values: params, rowMode: 'array' });
      const at = await stampTime(client, request.now);
      for (const row of rows) {
        const [uid] = row;
        if (expired(row)) {
          const deleted = await client.query('DELETE FROM rcache.records WHERE dataset_id = $1', [uid]);
          await client.query(
            `WITH gone AS (DELETE FROM rcache.datasets WHERE id = $1 RETURNING last_time)
             UPDATE rcache.meta SET last_time = greatest(last_time, (SELECT last_time FROM gone))`,
            [uid],
          );
          counts.datasetsExpired++;
          counts.recordsDeleted += deleted.rowCount ?? 0;
          await recordRun(client, 'prune', named(row), at, at, { deleted: deleted.rowCount ?? 0 }, false);
          continue;
        }
        const dropped = await dropPayloads(client, uid, 'last_modified_at <= $2', [request.payloadCutoff], at);
        counts.pruned += dropped;
        if (dropped > 0) await recordRun(client, 'prune', named(row), at, at, { pruned: dropped }, true);
      }
      return counts;
    });
    return request.compact ? { ...pruned, ...(await this.compactAfterPrune()) } : pruned;
  }

  /** Compacts after a committed prune, whose counts stand whatever becomes of the space. */
  private async compactAfterPrune(): Promise<{ reclaimedBytes: number; notReclaimed?: string }> {
    try {
      return { reclaimedBytes: await this.compact() };
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      return { reclaimedBytes: 0, notReclaimed: error.message };
    }
  }

  /** Rewrites the records table so that the space of dropped payloads and rows goes back to the file system; the bytes given back. */
  private async compact(): Promise<number> {
    const client = await this.connect();
    const size = async () => (await client.query<[number]>({ text: `SELECT pg_total_relation_size('rcache.records')`, rowMode: 'array' })).rows[0]![0];
    try {
      const before = await size();
      // It takes the table's exclusive lock: it waits for every run and reader, up to the busy
      // timeout as a writer does, and readers wait for it.
      await client.query(`SET lock_timeout = ${Math.max(1, this.busyTimeout)}`);
      await client.query('VACUUM FULL rcache.records');
      await client.query('RESET lock_timeout');
      const after = await size();
      client.release();
      return Math.max(0, before - after);
    } catch (error) {
      client.release(true);
      throw storeError(error, this.where);
    }
  }

  async pruneUntil(
    dataset: Dataset,
    until: number,
    options: { now: number; limit?: number; dryRun: boolean; compact?: boolean },
  ): Promise<PruneUntilCounts> {
    const reclaim = async () => (options.compact && !options.dryRun ? this.compactAfterPrune() : { reclaimedBytes: 0 });
    const ref = await this.findDataset(dataset);
    if (ref === undefined) return { count: 0, hasMore: false, ...(await reclaim()) };
    if (options.dryRun) {
      const [[count]] = (await this.query<[number]>(
        'SELECT count(*) FROM rcache.records WHERE dataset_id = $1 AND pruned_at IS NULL AND position <= $2',
        [ref.uid, until],
      )) as [[number]];
      return {
        count: options.limit === undefined ? count : Math.min(count, options.limit),
        hasMore: options.limit !== undefined && count > options.limit,
        reclaimedBytes: 0,
      };
    }
    const result = await this.transaction(async (client) => {
      const locked = await this.lockInTransaction(client, dataset);
      if (locked === undefined) return { count: 0, hasMore: false };
      const at = await stampTime(client, options.now);
      const count =
        options.limit === undefined
          ? await dropPayloads(client, locked, 'position <= $2', [until], at)
          : await dropPayloads(
              client,
              locked,
              `rowid IN (SELECT rowid FROM rcache.records WHERE dataset_id = $1 AND pruned_at IS NULL AND position <= $2 ORDER BY position LIMIT $3)`,
              [until, options.limit],
              at,
            );
      const more = await client.query('SELECT 1 FROM rcache.records WHERE dataset_id = $1 AND pruned_at IS NULL AND position <= $2 LIMIT 1', [
        locked,
        until,
      ]);
      if (count > 0) await recordRun(client, 'prune', dataset, at, at, { pruned: count }, true);
      return { count, hasMore: (more.rowCount ?? 0) > 0 };
    });
    return { ...result, ...(await reclaim()) };
  }

  /** The dataset's uid with its row lock held, in a transaction already begun; undefined when it does not exist. */
  private async lockInTransaction(client: pg.ClientBase, dataset: Dataset): Promise<number | undefined> {
    const { rows } = await client.query<[number]>({
      text: 'SELECT id FROM rcache.datasets WHERE integration = $1 AND connection = $2 AND model = $3 FOR UPDATE',
      values: names(dataset),
      rowMode: 'array',
    });
    return rows[0]?.[0];
  }

  async reset(dataset: Dataset, now: number): Promise<number | undefined> {
    return this.transaction(async (client) => {
      const uid = await this.lockInTransaction(client, dataset);
      if (uid === undefined) return undefined;
      const deleted = await client.query('DELETE FROM rcache.records WHERE dataset_id = $1', [uid]);
      await client.query(
        'UPDATE rcache.datasets SET live = 0, deleted = 0, pruned = 0, bytes = 0, generation = generation + 1 WHERE id = $1',
        [uid],
      );
      const count = deleted.rowCount ?? 0;
      const at = await stampTime(client, now);
      await recordRun(client, 'reset', dataset, at, at, { deleted: count }, true);
      return count;
    });
  }

  async close(): Promise<void> {
    for (const run of [...this.openRuns]) await run.abort();
    await this.watch.close();
    await this.pool.end().catch(() => {});
  }
}

/**
 * The time a prune or reset stamps: the later of the caller's clock and the latest time stamped
 * before (by a run of any dataset, or a dataset since expired), which it then becomes.
 */
async function stampTime(client: pg.ClientBase, now: number): Promise<number> {
  const { rows } = await client.query<[number]>({
    text: `UPDATE rcache.meta SET last_time = greatest(last_time, $1::bigint, (SELECT max(last_time) FROM rcache.datasets)) RETURNING last_time`,
    values: [now],
    rowMode: 'array',
  });
  return rows[0]![0];
}

/**
 * Drops the payloads of a dataset's records selected by `where` (over rcache.records, with $1 the
 * dataset's uid and `params` from $2), keeping its counters exact. A deferred hash is computed
 * from the payload first, so the record keeps its hash without its payload.
 */
async function dropPayloads(client: pg.ClientBase, uid: number, where: string, params: unknown[], at: number): Promise<number> {
  const selected = `dataset_id = $1 AND pruned_at IS NULL AND ${where}`;
  for (let after = 0; ; ) {
    const keyParam = params.length + 2;
    const { rows } = await client.query<[number, string]>({
      text: `SELECT rowid, payload FROM rcache.records WHERE ${selected} AND hash = '${DEFERRED_HASH}' AND rowid > $${keyParam}
             ORDER BY rowid LIMIT ${HASH_BATCH}`,
      values: [uid, ...params, after],
      rowMode: 'array',
    });
    if (rows.length === 0) break;
    const hashes = rows.map(([key, payload]) => ({ k: key, h: storedPayloadHash(payload) }));
    await client.query(
      `UPDATE rcache.records r SET hash = x.h FROM json_to_recordset($2::json) AS x(k bigint, h text)
       WHERE r.dataset_id = $1 AND r.rowid = x.k`,
      [uid, JSON.stringify(hashes)],
    );
    after = rows[rows.length - 1]![0];
  }
  const atParam = params.length + 2;
  const { rows } = await client.query<[number]>({
    text: `WITH dropped AS (
             UPDATE rcache.records SET payload = NULL, pruned_at = $${atParam} WHERE ${selected} RETURNING size
           ), totals AS (SELECT count(*) AS dropped_count, coalesce(sum(size), 0) AS dropped_bytes FROM dropped)
           UPDATE rcache.datasets SET pruned = pruned + dropped_count, bytes = bytes - dropped_bytes
           FROM totals WHERE id = $1 RETURNING dropped_count`,
    values: [uid, ...params, at],
    rowMode: 'array',
  });
  return rows[0]?.[0] ?? 0;
}

/** Adds a run to the history; `counted` also counts it in the dataset's row (which an expired dataset no longer has). */
async function recordRun(
  client: pg.ClientBase,
  kind: 'prune' | 'reset',
  dataset: Dataset,
  startedAt: number,
  finishedAt: number,
  counts: Partial<Summary> & { pruned?: number },
  counted: boolean,
): Promise<void> {
  const params = [...names(dataset), kind, startedAt, finishedAt, counts.deleted ?? 0, counts.pruned ?? 0];
  await client.query(
    `INSERT INTO rcache.runs (integration, connection, model, kind, started_at, finished_at, deleted, pruned)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    params,
  );
  if (counted) {
    await client.query('UPDATE rcache.datasets SET runs = runs + 1, last_run_at = $4 WHERE integration = $1 AND connection = $2 AND model = $3', [
      ...names(dataset),
      finishedAt,
    ]);
  }
}

/** Opens the rcache database at a `postgres://` URL, creating or migrating its schema unless read-only. */
export async function openPostgresStore(location: string, options: StoreOptions = {}): Promise<Store> {
  const parsed = parseLocation(location);
  if (parsed === undefined) throw new StoreError('bad-location', `cannot open ${unparsable(location)}: not a valid PostgreSQL URL`);
  const config: pg.ClientConfig = {
    connectionString: parsed.url,
    application_name: 'rcache',
    // Keyset pages must come from the (dataset, position) index in order; before the first ANALYZE
    // of a freshly loaded table the planner prefers a bitmap scan and a sort of every later row.
    // A run reported saved must be on disk, whatever the server's default for commits.
    options: '-c enable_bitmapscan=off -c synchronous_commit=on',
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    types,
  };
  const pool = new pg.Pool({ ...config, max: POOL_SIZE, idleTimeoutMillis: 30_000 });
  // A connection that fails is discarded by the pool; the query that was using it reports the failure.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  let client: pg.PoolClient | undefined;
  try {
    client = await pool.connect();
    const identity = await ensureSchema(client, parsed.safe, { readonly: options.readonly ?? false, create: options.create ?? true });
    client.release();
    return new PostgresStore(pool, config, parsed.safe, identity.databaseId, options.busyTimeout ?? DEFAULT_BUSY_TIMEOUT);
  } catch (error) {
    client?.release(true);
    await pool.end().catch(() => {});
    throw storeError(error, parsed.safe);
  }
}
