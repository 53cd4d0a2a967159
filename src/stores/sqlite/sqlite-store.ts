import { realpathSync, statSync } from 'node:fs';
import type {
  BeginOptions,
  Change,
  ChangePage,
  DatabaseInfo,
  Dataset,
  DatasetCounts,
  DatasetRef,
  Maintenance,
  MaintenanceOptions,
  RunCount,
  RunQuery,
  RunRecord,
  Store,
  StoreOptions,
  WaitOptions,
  WaitResult,
  WriteRun,
} from '../store.js';
import { Connection, DEFAULT_BUSY_TIMEOUT, openDatabase } from './connection.js';
import { compact, maintainedDatasets, SqliteMaintenance } from './maintenance.js';
import * as reads from './reads.js';
import { CommitWatch } from './watch.js';
import { SqliteWriteRun } from './write-run.js';

/** The latest time stamped in the database: by any dataset's runs, or by prunes and resets (and datasets since expired). */
const LAST_STAMPED = 'SELECT max(last_time, (SELECT coalesce(max(last_time), 0) FROM datasets)) FROM meta WHERE id = 1';

/** rcache's records in one SQLite file, in WAL mode: readers never wait for the writer. */
export class SqliteStore implements Store {
  private readonly watch: CommitWatch;

  constructor(private readonly conn: Connection) {
    this.watch = new CommitWatch(conn.path, () => this.version());
  }

  async info(): Promise<DatabaseInfo> {
    const { path } = this.conn;
    const [id, last] = this.conn.guard('read', () =>
      this.conn.statement('SELECT database_id, (SELECT last_value FROM positions WHERE id = 1) FROM meta WHERE id = 1').raw(true).get(),
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
    return { id, kind: 'sqlite', location: path, bytes, lastPosition: last, files };
  }

  async findDataset(dataset: Dataset): Promise<DatasetRef | undefined> {
    return this.conn.guard('read', () => reads.findDataset(this.conn, dataset));
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
    await this.conn.begin(!options.readonly);
    try {
      return this.conn.guard(options.readonly ? 'read' : 'write', () => {
        const datasets = maintainedDatasets(this.conn, options.datasets);
        const time = options.stamp(this.conn.statement(LAST_STAMPED).pluck().get() as number);
        return new SqliteMaintenance(this.conn, datasets, time, options.readonly);
      });
    } catch (error) {
      this.conn.release();
      throw error;
    }
  }

  async compact(): Promise<number> {
    return compact(this.conn);
  }

  async readChanges(ref: DatasetRef, page: ChangePage): Promise<Change[]> {
    return this.conn.guard('read', () => reads.readChanges(this.conn, ref, page));
  }

  async readRecord(ref: DatasetRef, id: string): Promise<Change | undefined> {
    return this.conn.guard('read', () => reads.readRecord(this.conn, ref, id));
  }

  async version(): Promise<number> {
    return this.conn.guard('read', () => reads.lastRun(this.conn));
  }

  waitForCommit(version: number, options: WaitOptions): Promise<WaitResult> {
    return this.watch.wait(version, options);
  }

  async datasets(filter?: Partial<Dataset>): Promise<DatasetCounts[]> {
    return this.conn.guard('read', () => reads.datasets(this.conn, filter));
  }

  async runs(query: RunQuery): Promise<RunRecord[]> {
    return this.conn.guard('read', () => reads.runs(this.conn, query));
  }

  async runCounts(): Promise<RunCount[]> {
    return this.conn.guard('read', () => reads.runCounts(this.conn));
  }

  async close(): Promise<void> {
    this.conn.release();
    this.conn.db.close();
  }
}

export async function openSqliteStore(path: string, options: StoreOptions): Promise<SqliteStore> {
  const busyTimeout = options.busyTimeout ?? DEFAULT_BUSY_TIMEOUT;
  const db = openDatabase(path, { readonly: options.readonly, busyTimeout, create: options.create });
  return new SqliteStore(new Connection(db, path, busyTimeout));
}
