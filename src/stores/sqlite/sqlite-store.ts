import { realpathSync, statSync } from 'node:fs';
import type {
  BeginOptions,
  Change,
  CheckpointWrite,
  ChangeBytes,
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
  Schemas,
  RunQuery,
  RunRecord,
  Store,
  StoredCheckpoint,
  StoreOptions,
  WaitOptions,
  WaitResult,
  WriteRun,
} from '../store.js';
import * as checkpoints from './checkpoints.js';
import { Connection, DEFAULT_BUSY_TIMEOUT, openDatabase, openReader, type Db } from './connection.js';
import { SqliteDeliveries } from './deliveries.js';
import * as reads from './reads.js';
import { SqliteSchemas } from './schemas.js';
import { CommitWatch } from './watch.js';

// The code that writes is loaded when first used: a program (or command) that only reads never loads it.
const writeRun = () => import('./write-run.js');
const maintenance = () => import('./maintenance.js');

/** The latest time stamped in the database: by any dataset's runs, or by prunes and resets (and datasets since expired). */
const LAST_STAMPED = 'SELECT max(last_time, (SELECT coalesce(max(last_time), 0) FROM datasets)) FROM meta WHERE id = 1';

/**
 * rcache's records in one SQLite file, in WAL mode: readers never wait for the writer. Writes go
 * one at a time through `conn`; reads go through a connection of their own, since a run that is
 * open across awaits has written rows on `conn` that nobody may see before it commits.
 */
export class SqliteStore implements Store {
  /** A single connection writes: the library queues writes one at a time (see Store). */
  readonly concurrentWrites = 1;
  private readonly watch: CommitWatch;
  /** The connection reads go through: `conn` itself for a store opened read-only. */
  private readonly reader: Connection;

  constructor(
    private readonly conn: Connection,
    reader?: Connection,
  ) {
    this.reader = reader ?? conn;
    this.watch = new CommitWatch(conn.path, () => this.version());
  }

  /** Runs `work` on the reading connection; any SQLite failure reaches callers as a StoreError. */
  read<T>(work: (conn: Connection) => T): T {
    return this.reader.guard('read', () => work(this.reader));
  }

  /** Runs `work` in one write transaction, holding the lock as a run does. */
  async transaction<T>(work: (conn: Connection) => T, signal?: AbortSignal): Promise<T> {
    await this.conn.begin(true, signal);
    try {
      const result = this.conn.guard('write', () => work(this.conn));
      this.conn.commit();
      return result;
    } finally {
      this.conn.release();
    }
  }

  async info(): Promise<DatabaseInfo> {
    const { path } = this.conn;
    const [id, last] = this.read((conn) =>
      conn.statement('SELECT database_id, (SELECT last_value FROM positions WHERE id = 1) FROM meta WHERE id = 1').raw(true).get(),
    ) as [string, number];
    let bytes = 0;
    for (const file of [path, `${path}-wal`]) bytes += statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    // SQLite keeps its companion files beside the real file when the database is reached by a link.
    let real = path;
    try {
      real = realpathSync(path);
    } catch {
      // Deleted since it was opened: its files are named by the path it was opened at.
    }
    const files = [real, ...['-wal', '-shm', '-journal'].map((suffix) => real + suffix)];
    return { id, kind: 'SQLite', location: path, bytes, lastPosition: last, files };
  }

  async findDataset(dataset: Dataset): Promise<DatasetRef | undefined> {
    return this.read((conn) => reads.findDataset(conn, dataset));
  }

  async findHorizon(dataset: Dataset): Promise<Horizon | undefined> {
    return this.read((conn) => reads.findHorizon(conn, dataset));
  }

  /** Writers take turns, and a reader sees the sequence as the last commit left it: every position in it is committed. */
  async endOf(): Promise<number> {
    return this.read((conn) => conn.statement('SELECT last_value FROM positions WHERE id = 1').pluck().get() as number);
  }

  /** The dataset's row, created with an id never used before; inside a write transaction. */
  private ensureDataset(dataset: Dataset): DatasetRef {
    const found = reads.findDataset(this.conn, dataset);
    if (found) return found;
    const uid = this.conn
      .statement('INSERT INTO datasets (integration, connection, model) VALUES (?, ?, ?) RETURNING id')
      .pluck()
      .get(dataset.integration, dataset.connection, dataset.model) as number;
    return { ...dataset, uid, generation: 0 };
  }

  async beginRun(dataset: Dataset, options: BeginOptions): Promise<WriteRun | undefined> {
    const { SqliteWriteRun } = await writeRun();
    await this.conn.begin(true, options.signal);
    try {
      return this.conn.guard('write', () => {
        const ref = options.create ? this.ensureDataset(dataset) : reads.findDataset(this.conn, dataset);
        if (ref === undefined) {
          this.conn.release();
          return undefined;
        }
        const [startPosition, lastStamped, live, empty] = this.conn
          .statement(
            `SELECT (SELECT last_value FROM positions WHERE id = 1), (${LAST_STAMPED}), live,
               NOT EXISTS (SELECT 1 FROM records WHERE dataset_id = @id)
             FROM datasets WHERE id = @id`,
          )
          .raw(true)
          .get({ id: ref.uid }) as [number, number, number, number];
        return new SqliteWriteRun(this.conn, ref, options.stamp(lastStamped), startPosition, empty === 1, live);
      });
    } catch (error) {
      this.conn.release();
      throw error;
    }
  }

  async beginMaintenance(options: MaintenanceOptions): Promise<Maintenance> {
    const { maintainedDatasets, SqliteMaintenance } = await maintenance();
    // Read-only work is not queued with the writes: it reads on a connection of its own.
    const conn =
      options.readonly && this.reader !== this.conn
        ? new Connection(openReader(this.conn.path, this.conn.busyTimeout), this.conn.path, this.conn.busyTimeout, true)
        : this.conn;
    await conn.begin(!options.readonly);
    try {
      return conn.guard(options.readonly ? 'read' : 'write', () => {
        const datasets = maintainedDatasets(conn, options.datasets);
        const time = options.stamp(conn.statement(LAST_STAMPED).pluck().get() as number);
        return new SqliteMaintenance(conn, datasets, time, options.readonly);
      });
    } catch (error) {
      conn.release();
      throw error;
    }
  }

  async compact(): Promise<number> {
    return (await maintenance()).compact(this.conn);
  }

  async readChanges(ref: DatasetRef, page: ChangePage): Promise<Change[]> {
    return this.read((conn) => reads.readChanges(conn, ref, page));
  }

  async readChangeBytes(ref: DatasetRef, page: ChangePage): Promise<ChangeBytes[]> {
    return this.read((conn) => reads.readChangeBytes(conn, ref, page));
  }

  async readRecord(ref: DatasetRef, id: string): Promise<Change | undefined> {
    return this.read((conn) => reads.readRecord(conn, ref, id));
  }

  async version(): Promise<number> {
    return this.read((conn) => reads.lastRun(conn));
  }

  waitForCommit(version: number, options: WaitOptions): Promise<WaitResult> {
    return this.watch.wait(version, options);
  }

  async datasets(filter?: Partial<Dataset>): Promise<DatasetCounts[]> {
    return this.read((conn) => reads.datasets(conn, filter));
  }

  async runs(query: RunQuery): Promise<RunRecord[]> {
    return this.read((conn) => reads.runs(conn, query));
  }

  async runCounts(): Promise<RunCount[]> {
    return this.read((conn) => reads.runCounts(conn));
  }

  async datasetRunCounts(): Promise<DatasetRunCount[]> {
    return this.read((conn) => reads.datasetRunCounts(conn));
  }

  deliveries(): Deliveries {
    return new SqliteDeliveries(this);
  }

  async readCheckpoint(dataset: Dataset): Promise<StoredCheckpoint> {
    return this.read((conn) => checkpoints.readCheckpoint(conn, dataset));
  }

  writeCheckpoint(dataset: Dataset, write: CheckpointWrite): Promise<{ written: boolean; stored: StoredCheckpoint }> {
    return this.transaction((conn) => checkpoints.writeCheckpoint(conn, dataset, write));
  }

  async close(): Promise<void> {
    this.conn.release();
    if (this.reader !== this.conn) this.reader.db.close();
    this.conn.db.close();
  }

  schemas(): Schemas {
    return new SqliteSchemas(this);
  }
}

export async function openSqliteStore(path: string, options: StoreOptions): Promise<SqliteStore> {
  const busyTimeout = options.busyTimeout ?? DEFAULT_BUSY_TIMEOUT;
  const db = openDatabase(path, { readonly: options.readonly, busyTimeout, create: options.create });
  if (options.readonly || db.readonly) return new SqliteStore(new Connection(db, path, busyTimeout));
  // Opened now, on the file just opened: should the path be replaced later, both still read the same file.
  let reader: Db;
  try {
    reader = openReader(path, busyTimeout);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteStore(new Connection(db, path, busyTimeout), new Connection(reader, path, busyTimeout));
}
