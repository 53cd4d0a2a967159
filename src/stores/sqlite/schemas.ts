import type { Dataset, Schemas } from '../store.js';
import { narrow } from './reads.js';
import type { SqliteStore } from './sqlite-store.js';

const NAMED = 'integration = ? AND connection = ? AND model = ?';

/** The JSON Schemas of a SQLite store: read on its reading connection, written in a write transaction of their own. */
export class SqliteSchemas implements Schemas {
  constructor(private readonly store: SqliteStore) {}

  async get({ integration, connection, model }: Dataset): Promise<string | undefined> {
    return this.store.read(
      (conn) => conn.statement(`SELECT schema FROM json_schemas WHERE ${NAMED}`).pluck().get(integration, connection, model) as string | undefined,
    );
  }

  set({ integration, connection, model }: Dataset, schema: string | undefined): Promise<boolean> {
    return this.store.transaction((conn) => {
      const had = conn.statement(`DELETE FROM json_schemas WHERE ${NAMED}`).run(integration, connection, model).changes > 0;
      if (schema !== undefined)
        conn.statement('INSERT INTO json_schemas (integration, connection, model, schema) VALUES (?, ?, ?, ?)').run(integration, connection, model, schema);
      // A write alone, as a checkpoint's: the database's version moves, and whoever watches it looks again.
      conn.statement('UPDATE meta SET checkpoint_writes = checkpoint_writes + 1 WHERE id = 1').run();
      return had;
    });
  }

  async list(filter?: Partial<Dataset>): Promise<Dataset[]> {
    const { where, params } = narrow(filter);
    return this.store.read(
      (conn) =>
        conn.statement(`SELECT integration, connection, model FROM json_schemas ${where} ORDER BY integration, connection, model`).all(...params) as Dataset[],
    );
  }
}
