import type { Statement } from 'better-sqlite3';
import { DEFAULT_BUSY_TIMEOUT, openDatabase, type Db, type OpenOptions } from './database.js';
import type { Dataset } from './types.js';

/** An open rcache database. Every call is synchronous; one instance serves one thread. */
export class RecordsCache {
  private readonly statements = new Map<string, Statement>();

  constructor(
    readonly db: Db,
    readonly path: string,
    /** How long a writer waits for another writer's lock, in milliseconds. */
    readonly busyTimeout = DEFAULT_BUSY_TIMEOUT,
  ) {}

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

  close(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }
}

export function openCache(path: string, options: OpenOptions = {}): RecordsCache {
  return new RecordsCache(openDatabase(path, options), path, options.busyTimeout);
}
