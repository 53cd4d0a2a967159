import type pg from 'pg';
import { StoreError } from '../../errors.js';
import type {
  BeginOptions,
  Change,
  CheckpointWrite,
  ChangePage,
  DatabaseInfo,
  Dataset,
  DatasetCounts,
  DatasetRef,
  DatasetRunCount,
  Horizon,
  Deliveries,
  Maintenance,
  MaintenanceOptions,
  RunCount,
  RunQuery,
  RunRecord,
  Schemas,
  Store,
  StoredCheckpoint,
  StoreOptions,
  WaitOptions,
  WaitResult,
  WriteRun,
} from '../store.js';
import * as checkpoints from './checkpoints.js';
import { openConnections, WRITERS, type Connections } from './connection.js';
import { PostgresDeliveries } from './deliveries.js';
import { storeError } from './errors.js';
import { beginMaintenance, compact } from './maintenance.js';
import * as reads from './reads.js';
import { PostgresSchemas } from './schemas.js';
import { Transaction } from './transaction.js';
import { CommitWatch } from './watch.js';
import { PostgresRun } from './write-run.js';

class PostgresStore implements Store {
  /** About 500 records of a few hundred bytes: each batch costs a round trip or two to the server. */
  readonly batchBytes = 256 * 1024;
  readonly concurrentWrites = WRITERS;
  private readonly openRuns = new Set<PostgresRun>();
  private readonly watch: CommitWatch;

  constructor(private readonly conns: Connections) {
    this.watch = new CommitWatch(
      () => conns.connectAlone(),
      // A database (or its rcache schema) dropped and created again has another identity, or none yet.
      async (client) => {
        const { rows } = await client.query<{ id: string }>('SELECT database_id AS id FROM rcache.meta').catch((error: { code?: string }) => {
          // No such table, or no such schema: any other failure says nothing of the identity.
          if (error.code === '42P01' || error.code === '3F000') return { rows: [] };
          throw error;
        });
        return rows[0]?.id === conns.databaseId;
      },
    );
  }

  info(): Promise<DatabaseInfo> {
    return reads.info(this.conns);
  }

  async beginRun(dataset: Dataset, options: BeginOptions): Promise<WriteRun | undefined> {
    const client = await this.conns.connect();
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
      const [startPosition, lastStamped, emptyAtStart] = rows[0]!;
      const start = { dataset: { ...dataset, uid, generation }, time: options.stamp(lastStamped), startPosition, emptyAtStart, liveAtStart: live };
      const run: PostgresRun = new PostgresRun(new Transaction(client, this.conns.where, () => this.openRuns.delete(run)), start);
      this.openRuns.add(run);
      return run;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      await client.query('ROLLBACK').catch(() => {});
      abandon(error);
      throw storeError(error, this.conns.where);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Begins a transaction holding the dataset's row lock, creating the row if asked: [id,
   * generation, live], or undefined when it does not exist. READ COMMITTED: the lock is taken on
   * the latest committed row, and every later statement sees what committed before it was granted.
   */
  private async lockDataset(client: pg.ClientBase, dataset: Dataset, create: boolean): Promise<[number, number, number] | undefined> {
    const params = reads.names(dataset);
    await this.conns.begin(client);
    // A dataset expired while this run waited for it is gone: it is created again, under a new id.
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
    throw new StoreError('failed', `cannot take the lock of dataset ${dataset.model} at ${this.conns.where}: it keeps being removed`);
  }

  beginMaintenance(options: MaintenanceOptions): Promise<Maintenance> {
    return beginMaintenance(this.conns, options.datasets, options.readonly, options.stamp);
  }

  compact(): Promise<number> {
    return compact(this.conns);
  }

  findDataset(dataset: Dataset): Promise<DatasetRef | undefined> {
    return reads.findDataset(this.conns, dataset);
  }

  findHorizon(dataset: Dataset): Promise<Horizon | undefined> {
    return reads.findHorizon(this.conns, dataset);
  }

  endOf(dataset: Dataset): Promise<number> {
    return reads.endOf(this.conns, dataset);
  }

  readChanges(ref: DatasetRef, page: ChangePage): Promise<Change[]> {
    return reads.readChanges(this.conns, ref, page);
  }

  readRecord(ref: DatasetRef, id: string): Promise<Change | undefined> {
    return reads.readRecord(this.conns, ref, id);
  }

  version(): Promise<number> {
    return this.watch.version();
  }

  waitForCommit(version: number, options: WaitOptions): Promise<WaitResult> {
    return this.watch.wait(version, options);
  }

  datasets(filter?: Partial<Dataset>): Promise<DatasetCounts[]> {
    return reads.datasets(this.conns, filter);
  }

  runs(query: RunQuery): Promise<RunRecord[]> {
    return reads.runs(this.conns, query);
  }

  runCounts(): Promise<RunCount[]> {
    return reads.runCounts(this.conns);
  }

  datasetRunCounts(): Promise<DatasetRunCount[]> {
    return reads.datasetRunCounts(this.conns);
  }

  deliveries(): Deliveries {
    return new PostgresDeliveries(this.conns.pool, this.conns.config, this.conns.where);
  }

  readCheckpoint(dataset: Dataset): Promise<StoredCheckpoint> {
    return checkpoints.readCheckpoint(this.conns, dataset);
  }

  writeCheckpoint(dataset: Dataset, write: CheckpointWrite): Promise<{ written: boolean; stored: StoredCheckpoint }> {
    return checkpoints.writeCheckpoint(this.conns, dataset, write);
  }

  async close(): Promise<void> {
    for (const run of [...this.openRuns]) await run.abort();
    await this.watch.close();
    await this.conns.end();
  }

  schemas(): Schemas {
    return new PostgresSchemas(this.conns);
  }
}

/** Opens the rcache database at a `postgres://` URL, creating or migrating its schema unless read-only. */
export async function openPostgresStore(location: string, options: StoreOptions = {}): Promise<Store> {
  return new PostgresStore(await openConnections(location, options));
}
