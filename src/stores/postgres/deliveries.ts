import { hostname } from 'node:os';
import type pg from 'pg';
import { Client } from './client-config.js';
import type { Deliveries, DeliveryHold, DeliveryState, RunAfter, RunKind, RunsAfter } from '../store.js';
import { storeError } from './errors.js';
import { unescapeText } from './text.js';

/*
 * URLs are stored as given: a URL's text (as the URL class writes it) is ASCII, with no NUL.
 *
 * A URL is held by a session-level advisory lock, (LOCK_SPACE, the URL's id), on a connection of
 * its own that the holder keeps open: a holder that dies, or loses its connection, lets go of it
 * with its session. Everything the holder writes about the URL goes through that connection, so
 * it is written only while the lock is held.
 */

/** "rchw": the first key of every URL's advisory lock, apart from the keys of other programs. */
const LOCK_SPACE = 0x72636877;

/** The server notices a holder host that vanished within about 25 s, rather than the system's two hours. */
const KEEPALIVES = '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3';

const STATE = `
  SELECT d.url, d.position, (SELECT count(*) FROM rcache.runs r WHERE r.number > d.position), d.delivered, d.failures, d.attempts,
    d.last_error, d.last_error_at, d.last_delivered_at,
    CASE WHEN EXISTS (
      SELECT 1 FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = ${LOCK_SPACE}::oid AND l.objid = d.id::oid AND l.objsubid = 2 AND l.granted
    ) THEN d.holder END
  FROM rcache.webhook_deliveries d`;

type StateRow = [string, number, number, number, number, number, string | null, number | null, number | null, string | null];

function toState([url, position, backlog, delivered, failures, attempts, lastError, lastErrorAt, lastDeliveredAt, holder]: StateRow): DeliveryState {
  return { url, position, backlog, delivered, failures, attempts, lastError, lastErrorAt, lastDeliveredAt, holder };
}

const RUNS_AFTER = `
  SELECT r.number, r.kind, r.integration, r.connection, r.model, r.started_at AS "startedAt", r.finished_at AS "finishedAt",
    r.added, r.updated, r.unchanged, r.deleted, r.unknown, r.duplicates, r.rejected, r.pruned,
    p.kind AS "previousKind", p.pruned AS "previousPruned"
  FROM rcache.runs r LEFT JOIN LATERAL (
    SELECT kind, pruned FROM rcache.runs p
    WHERE p.integration = r.integration AND p.connection = r.connection AND p.model = r.model AND p.number < r.number
      AND NOT (p.kind = 'prune' AND p.pruned > 0)
    ORDER BY p.number DESC LIMIT 1
  ) p ON true
  WHERE r.number > $1 ORDER BY r.number LIMIT $2`;

type RunRow = Omit<RunAfter, 'previous'> & { previousKind: RunKind | null; previousPruned: number | null };

function toRun({ previousKind, previousPruned, ...run }: RunRow): RunAfter {
  const names = { integration: unescapeText(run.integration), connection: unescapeText(run.connection), model: unescapeText(run.model) };
  return { ...run, ...names, previous: previousKind === null ? null : { kind: previousKind, pruned: previousPruned! } };
}

/**
 * Whether a writer is between numbering its run and committing: run numbers are taken in call
 * order, not commit order, so a later number can be visible before an earlier one. Such a writer
 * holds its lock on the run history from before it takes its number until it ends.
 */
const WRITER_FINISHING = `
  SELECT EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'relation' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND relation = 'rcache.runs'::regclass AND mode = 'RowExclusiveLock' AND granted AND pid <> pg_backend_pid()
  )`;

/** How many runs from the start follow each other with no number missing. */
function unbroken(runs: readonly RunAfter[], after: number): number {
  let count = 0;
  while (count < runs.length && runs[count]!.number === after + count + 1) count++;
  return count;
}

class NotRegistered extends Error {
  constructor(url: string) {
    super(`${url} is not registered for delivery`);
  }
}

export class PostgresDeliveries implements Deliveries {
  constructor(
    private readonly pool: pg.Pool,
    private readonly config: pg.ClientConfig,
    private readonly where: string,
  ) {}

  private async query<R extends unknown[]>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>({ text: sql, values: params, rowMode: 'array' })).rows;
    } catch (error) {
      throw storeError(error, this.where);
    }
  }

  private async state(url: string): Promise<DeliveryState> {
    return toState((await this.query<StateRow>(`${STATE} WHERE d.url = $1`, [url]))[0]!);
  }

  async register(url: string, start: 'end' | 'beginning'): Promise<{ state: DeliveryState; created: boolean }> {
    const inserted = await this.query(
      `INSERT INTO rcache.webhook_deliveries (url, position)
       VALUES ($1, CASE WHEN $2 THEN 0 ELSE (SELECT coalesce(max(number), 0) FROM rcache.runs) END)
       ON CONFLICT (url) DO NOTHING RETURNING 1`,
      [url, start === 'beginning'],
    );
    return { state: await this.state(url), created: inserted.length === 1 };
  }

  async hold(url: string): Promise<DeliveryHold | undefined> {
    const client = new Client({ ...this.config, options: `${this.config.options ?? ''} ${KEEPALIVES}` });
    client.on('error', () => {});
    try {
      await client.connect();
      const { rows } = await client.query<[number]>({ text: 'SELECT id FROM rcache.webhook_deliveries WHERE url = $1', values: [url], rowMode: 'array' });
      if (rows[0] === undefined) throw new NotRegistered(url);
      const [id] = rows[0];
      const locked = await client.query<[boolean]>({ text: 'SELECT pg_try_advisory_lock($1, $2)', values: [LOCK_SPACE, id], rowMode: 'array' });
      if (!locked.rows[0]![0]) {
        await client.end().catch(() => {});
        return undefined;
      }
      const held = await client.query<[number]>({
        text: 'UPDATE rcache.webhook_deliveries SET holder = $2 WHERE id = $1 RETURNING position',
        values: [id, `${hostname()} (pid ${process.pid})`],
        rowMode: 'array',
      });
      return new PostgresHold(client, this.where, url, id, held.rows[0]![0]);
    } catch (error) {
      await client.end().catch(() => {});
      throw error instanceof NotRegistered ? error : storeError(error, this.where);
    }
  }

  async runsAfter(after: number, limit: number): Promise<RunsAfter> {
    const read = async () => {
      try {
        return (await this.pool.query<RunRow>(RUNS_AFTER, [after, limit])).rows.map(toRun);
      } catch (error) {
        throw storeError(error, this.where);
      }
    };
    const first = await read();
    const whole = unbroken(first, after);
    if (whole === first.length) return { runs: first, waiting: false };
    const [[finishing]] = (await this.query<[boolean]>(WRITER_FINISHING)) as [[boolean]];
    if (finishing) return { runs: first.slice(0, whole), waiting: true };
    // No writer was finishing after the first read: a number missing below the last one it saw
    // belongs to a transaction that rolled back, and never comes.
    const seen = first[first.length - 1]!.number;
    const second = await read();
    const settled = second.filter((run) => run.number <= seen);
    const later = second.slice(settled.length);
    const next = unbroken(later, seen);
    return { runs: [...settled, ...later.slice(0, next)], waiting: next < later.length };
  }

  async list(): Promise<DeliveryState[]> {
    return (await this.query<StateRow>(`${STATE} ORDER BY d.url`)).map(toState);
  }
}

class PostgresHold implements DeliveryHold {
  private lost = false;

  constructor(
    private readonly client: pg.Client,
    private readonly where: string,
    readonly url: string,
    private readonly id: number,
    readonly position: number,
  ) {}

  /** Runs a statement on the holder's connection; false when the connection, and with it the hold, is gone. */
  private async held(sql: string, params: unknown[]): Promise<boolean> {
    if (this.lost) return false;
    try {
      await this.client.query(sql, params);
      return true;
    } catch (error) {
      const failure = storeError(error, this.where);
      if (failure.kind !== 'cannot-connect') throw failure;
      this.lost = true;
      await this.client.end().catch(() => {});
      return false;
    }
  }

  advance(position: number, at: number, delivered: number): Promise<boolean> {
    return this.held(
      `UPDATE rcache.webhook_deliveries SET position = greatest(position, $2), attempts = 0, delivered = delivered + $3,
         last_delivered_at = CASE WHEN $3 > 0 THEN $4 ELSE last_delivered_at END
       WHERE id = $1`,
      [this.id, position, delivered, at],
    );
  }

  fail(error: string, at: number): Promise<boolean> {
    return this.held(
      'UPDATE rcache.webhook_deliveries SET failures = failures + 1, attempts = attempts + 1, last_error = $2, last_error_at = $3 WHERE id = $1',
      [this.id, error, at],
    );
  }

  renew(): Promise<boolean> {
    return this.held('SELECT true AS holding', []);
  }

  async release(): Promise<void> {
    if (this.lost) return;
    this.lost = true;
    await this.client.query('UPDATE rcache.webhook_deliveries SET holder = NULL WHERE id = $1', [this.id]).catch(() => {});
    await this.client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_SPACE, this.id]).catch(() => {});
    await this.client.end().catch(() => {});
  }
}
