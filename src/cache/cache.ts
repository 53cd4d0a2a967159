import type { Statement } from 'better-sqlite3';
import { statSync } from 'node:fs';
import { DEFAULT_BUSY_TIMEOUT, openDatabase, type Db, type OpenOptions } from './database.js';
import type { Dataset } from './types.js';

/** An open rcache database. Every call is synchronous; one instance serves one thread. */
export class RecordsCache {
  private readonly statements = new Map<string, Statement>();
  /** The file opened, as device and inode: a file put in its place or deleted is another file. */
  private readonly identity: string | undefined;

  constructor(
    readonly db: Db,
    readonly path: string,
    /** How long a writer waits for another writer's lock, in milliseconds. */
    readonly busyTimeout = DEFAULT_BUSY_TIMEOUT,
  ) {
    this.identity = fileIdentity(path);
  }

  /** A prepared statement, prepared once per connection. */
  statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  /** The dataset's row id, or undefined when nothing was ever written to it. */
  datasetId(dataset: Dataset): number | undefined {
    return this.statement('SELECT id FROM datasets WHERE integration = ? AND connection = ? AND model = ?')
      .pluck()
      .get(dataset.integration, dataset.connection, dataset.model) as number | undefined;
  }

  /** The dataset's row id, creating the row; call inside a write transaction. */
  ensureDataset(dataset: Dataset): number {
    this.statement('INSERT INTO datasets (integration, connection, model) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(
      dataset.integration,
      dataset.connection,
      dataset.model,
    );
    return this.datasetId(dataset)!;
  }

  /**
   * A number that changes whenever another connection commits to this database (SQLite's
   * data_version). Compare two values taken on this connection; they mean nothing elsewhere.
   */
  commitVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Whether the database file was deleted or replaced by another file since it was opened. */
  fileReplaced(): boolean {
    return this.identity !== undefined && fileIdentity(this.path) !== this.identity;
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }
}

function fileIdentity(path: string): string | undefined {
  const stat = statSync(path, { throwIfNoEntry: false, bigint: true });
  return stat === undefined ? undefined : `${stat.dev}:${stat.ino}`;
}

export function openCache(path: string, options: OpenOptions = {}): RecordsCache {
  return new RecordsCache(openDatabase(path, options), path, options.busyTimeout);
}
