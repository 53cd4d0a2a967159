import pg from 'pg';
import { StoreError } from '../../errors.js';
import type { StoreOptions } from '../store.js';
import { Client, clientConfig } from './client-config.js';
import { storeError } from './errors.js';
import { parseLocation, unparsable } from './location.js';
import { ensureSchema } from './schema.js';
import { prepared } from './statements.js';

const DEFAULT_BUSY_TIMEOUT = 60_000;
/** Connections a store opens at most for reads (a server's requests share them). */
const POOL_SIZE = 8;
/**
 * Connections for writes, a pool of their own: a write holds one from its begin to its end, and
 * neither readers nor writers wait for a connection the other holds.
 */
export const WRITERS = 6;

// Positions, counters and times are bigint columns; as JavaScript numbers they are exact up to 2^53.
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

/** Wakes readers waiting for a commit (see watch.ts); delivered only if the transaction commits. */
export const NOTIFY_AND_COMMIT = 'NOTIFY rcache; COMMIT';

/** The pools of connections to one database (readers' and writers'), and how its failures are told. */
export class Connections {
  constructor(
    /** The readers' pool. */
    readonly pool: pg.Pool,
    private readonly writers: pg.Pool,
    readonly config: pg.ClientConfig,
    /** The location as it may be printed. */
    readonly where: string,
    readonly databaseId: string,
    readonly busyTimeout: number,
  ) {}

  /** Rows of one statement on any connection of the pool, as arrays. */
  async query<R extends unknown[]>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(prepared(sql, params))).rows;
    } catch (error) {
      throw storeError(error, this.where);
    }
  }

  /** A connection for a transaction: of the writers' pool, or with `read`, of the readers'. */
  async connect(read = false): Promise<pg.PoolClient> {
    try {
      return await (read ? this.pool : this.writers).connect();
    } catch (error) {
      throw storeError(error, this.where);
    }
  }

  /** Begins a READ COMMITTED transaction on `client` whose lock waits end after the busy timeout. */
  async begin(client: pg.ClientBase): Promise<void> {
    await client.query(`BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = ${Math.max(1, this.busyTimeout)}`);
  }

  /** A connection of its own, outside the pool (one that listens for commits). */
  async connectAlone(): Promise<pg.Client> {
    const client = new Client(this.config);
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      throw storeError(error, this.where);
    }
    return client;
  }

  async end(): Promise<void> {
    await this.pool.end().catch(() => {});
    await this.writers.end().catch(() => {});
  }
}

/** Connects to the rcache database at a `postgres://` URL, creating or migrating its schema unless read-only. */
export async function openConnections(location: string, options: StoreOptions): Promise<Connections> {
  const parsed = parseLocation(location);
  if (parsed === undefined) throw new StoreError('bad-location', `cannot open ${unparsable(location)}: not a valid PostgreSQL URL`);
  const config = clientConfig(parsed, {
    application_name: 'rcache',
    // Keyset pages must come from the (dataset, position) index in order; before the first ANALYZE
    // of a freshly loaded table the planner prefers a bitmap scan and a sort of every later row.
    // A run reported saved must be on disk, whatever the server's default for commits.
    options: '-c enable_bitmapscan=off -c synchronous_commit=on',
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    types,
  });
  const newPool = (max: number) => {
    const pool = new pg.Pool({ ...config, Client, max, idleTimeoutMillis: 30_000 });
    // A connection that fails is discarded by the pool; the query that was using it reports the failure.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    return pool;
  };
  const pool = newPool(POOL_SIZE);
  let client: pg.PoolClient | undefined;
  try {
    client = await pool.connect();
    const identity = await ensureSchema(client, parsed.safe, { readonly: options.readonly ?? false, create: options.create ?? true });
    client.release();
    return new Connections(pool, newPool(WRITERS), config, parsed.safe, identity.databaseId, options.busyTimeout ?? DEFAULT_BUSY_TIMEOUT);
  } catch (error) {
    client?.release(true);
    await pool.end().catch(() => {});
    throw storeError(error, parsed.safe);
  }
}
