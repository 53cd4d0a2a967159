import type { Dataset, Schemas } from '../store.js';
import type { Connections } from './connection.js';
import { storeError } from './errors.js';
import { named, names, narrow } from './reads.js';
import { prepared } from './statements.js';

const NAMED = 'integration = $1 AND connection = $2 AND model = $3';

/** The JSON Schemas of a PostgreSQL store: each read and write is one statement. */
export class PostgresSchemas implements Schemas {
  constructor(private readonly conns: Connections) {}

  async get(dataset: Dataset): Promise<string | undefined> {
    const rows = await this.conns.query<[string]>(`SELECT schema FROM rcache.json_schemas WHERE ${NAMED}`, names(dataset));
    return rows[0]?.[0];
  }

  async set(dataset: Dataset, schema: string | undefined): Promise<boolean> {
    const sql =
      schema === undefined
        ? `DELETE FROM rcache.json_schemas WHERE ${NAMED} RETURNING true`
        : `INSERT INTO rcache.json_schemas (integration, connection, model, schema) VALUES ($1, $2, $3, $4)
           ON CONFLICT (integration, connection, model) DO UPDATE SET schema = excluded.schema RETURNING xmax <> 0`;
    const client = await this.conns.connect();
    try {
      // Whoever watches the database for commits hears of it, as of a checkpoint written alone.
      const notifying = `WITH written AS (${sql}) SELECT (SELECT * FROM written), pg_notify('rcache', '')`;
      const { rows } = await client.query<[boolean]>(prepared(notifying, schema === undefined ? names(dataset) : [...names(dataset), schema]));
      client.release();
      return rows[0]?.[0] === true;
    } catch (error) {
      client.release(true);
      throw storeError(error, this.conns.where);
    }
  }

  async list(filter?: Partial<Dataset>): Promise<Dataset[]> {
    const params: unknown[] = [];
    const clauses = narrow(filter, params);
    const rows = await this.conns.query<[string, string, string]>(
      `SELECT integration, connection, model FROM rcache.json_schemas ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''}
       ORDER BY integration, connection, model`,
      params,
    );
    return rows.map(([integration, connection, model]) => named(integration, connection, model));
  }
}
