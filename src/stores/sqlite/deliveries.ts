import { randomUUID } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Deliveries, DeliveryHold, DeliveryState, RunAfter, RunKind, RunsAfter } from '../store.js';
import type { Connection } from './connection.js';
import type { SqliteStore } from './sqlite-store.js';

/*
 * A URL is held by a lease: a row naming its holder and when the hold lapses, renewed by the
 * holder. A holder on this host whose process is gone is known dead at once; one elsewhere (a
 * container with its own process ids) only once its lease lapses.
 */

const HOST = hostname();
/** Process ids mean something only within one pid namespace (a container has its own). */
const PID_NAMESPACE = (() => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
})();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Holder {
  holder: string | null;
  holder_host: string | null;
  holder_pid: number | null;
  holder_pidns: string | null;
  lease_until: number | null;
}

const STATE = `
  SELECT url, position, (SELECT count(*) FROM runs WHERE number > d.position) AS backlog, delivered, failures, attempts,
    last_error AS lastError, last_error_at AS lastErrorAt, last_delivered_at AS lastDeliveredAt,
    CASE WHEN lease_until > @now THEN holder_host END AS holder_host, holder_pid, holder_pidns
  FROM webhook_deliveries d`;

type StateRow = Omit<DeliveryState, 'holder'> & Pick<Holder, 'holder_host' | 'holder_pid' | 'holder_pidns'>;

/** Whether a hold's holder is a process on this host that is gone. */
function gone(row: Pick<Holder, 'holder_host' | 'holder_pid' | 'holder_pidns'>): boolean {
  return row.holder_host === HOST && row.holder_pidns === PID_NAMESPACE && row.holder_pid !== null && !alive(row.holder_pid);
}

function toState({ holder_host, holder_pid, holder_pidns, ...state }: StateRow): DeliveryState {
  const held = holder_host !== null && !gone({ holder_host, holder_pid, holder_pidns });
  return { ...state, holder: held ? `${holder_host} (pid ${holder_pid})` : null };
}

const RUNS_AFTER = `
  SELECT r.number, r.kind, r.integration, r.connection, r.model, r.started_at AS startedAt, r.finished_at AS finishedAt,
    r.added, r.updated, r.unchanged, r.deleted, r.unknown, r.duplicates, r.rejected, r.pruned,
    (SELECT json_array(p.kind, p.pruned) FROM runs p
      WHERE p.number < r.number AND p.integration = r.integration AND p.connection = r.connection AND p.model = r.model
        AND NOT (p.kind = 'prune' AND p.pruned > 0)
      ORDER BY p.number DESC LIMIT 1) AS previous
  FROM runs r WHERE r.number > ? ORDER BY r.number LIMIT ?`;

/** One write transaction at a time per store: the connection is shared by every URL's deliverer. */
const queues = new WeakMap<SqliteStore, Promise<unknown>>();

export class SqliteDeliveries implements Deliveries {
  constructor(private readonly store: SqliteStore) {}

  /** Runs `work` in a write transaction, waiting for the write lock without blocking the event loop. */
  write<T>(work: (conn: Connection) => T): Promise<T> {
    const previous = queues.get(this.store) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.store.transaction(work));
    queues.set(this.store, next);
    return next;
  }

  /** Runs one update in a write transaction; the number of rows it changed. */
  update(sql: string, params: unknown[]): Promise<number> {
    return this.write((conn) => conn.statement(sql).run(...params).changes);
  }

  private state(conn: Connection, url: string): DeliveryState {
    return toState(conn.statement(`${STATE} WHERE url = @url`).get({ url, now: Date.now() }) as StateRow);
  }

  async register(url: string, start: 'end' | 'beginning'): Promise<{ state: DeliveryState; created: boolean }> {
    return this.write((conn) => {
      const { changes } = conn
        .statement(
          `INSERT INTO webhook_deliveries (url, position)
           VALUES (?, CASE WHEN ? THEN 0 ELSE (SELECT coalesce(max(number), 0) FROM runs) END)
           ON CONFLICT (url) DO NOTHING`,
        )
        .run(url, start === 'beginning' ? 1 : 0);
      return { state: this.state(conn, url), created: changes === 1 };
    });
  }

  async hold(url: string, { lease }: { lease: number }): Promise<DeliveryHold | undefined> {
    return this.write((conn) => {
      const row = conn.statement('SELECT holder, holder_host, holder_pid, holder_pidns, lease_until FROM webhook_deliveries WHERE url = ?').get(url) as
        | Holder
        | undefined;
      if (row === undefined) throw new Error(`${url} is not registered for delivery`);
      const now = Date.now();
      if (row.holder !== null && row.lease_until! > now && !gone(row)) return undefined;
      const token = randomUUID();
      const position = conn
        .statement(
          `UPDATE webhook_deliveries SET holder = ?, holder_host = ?, holder_pid = ?, holder_pidns = ?, lease_until = ?
           WHERE url = ? RETURNING position`,
        )
        .pluck()
        .get(token, HOST, process.pid, PID_NAMESPACE, now + lease, url) as number;
      return new SqliteHold(this, url, token, position, lease);
    });
  }

  async runsAfter(after: number, limit: number): Promise<RunsAfter> {
    // One writer at a time, numbering its run as it commits: numbers follow commit order, with no gap to wait for.
    type Row = Omit<RunAfter, 'previous'> & { previous: string | null };
    const rows = this.store.read((conn) => conn.statement(RUNS_AFTER).all(after, limit) as Row[]);
    const runs = rows.map((row) => {
      const previous = row.previous === null ? null : (JSON.parse(row.previous) as [RunKind, number]);
      return { ...row, previous: previous === null ? null : { kind: previous[0], pruned: previous[1] } };
    });
    return { runs, waiting: false };
  }

  async list(): Promise<DeliveryState[]> {
    return this.store.read((conn) => (conn.statement(`${STATE} ORDER BY url`).all({ now: Date.now() }) as StateRow[]).map(toState));
  }
}

class SqliteHold implements DeliveryHold {
  private released = false;

  constructor(
    private readonly deliveries: SqliteDeliveries,
    readonly url: string,
    private readonly token: string,
    readonly position: number,
    private readonly lease: number,
  ) {}

  /** Runs an update of the URL's row that applies only while this hold stands; whether it stood. */
  private held(sql: string, ...params: unknown[]): Promise<boolean> {
    if (this.released) return Promise.resolve(false);
    return this.deliveries.update(`${sql} WHERE url = ? AND holder = ?`, [...params, this.url, this.token]).then((changes) => changes === 1);
  }

  advance(position: number, at: number, delivered: number): Promise<boolean> {
    return this.held(
      `UPDATE webhook_deliveries SET position = max(position, ?), attempts = 0, delivered = delivered + ?,
         last_delivered_at = iif(? > 0, ?, last_delivered_at), lease_until = ?`,
      position,
      delivered,
      delivered,
      at,
      Date.now() + this.lease,
    );
  }

  fail(error: string, at: number): Promise<boolean> {
    return this.held(
      'UPDATE webhook_deliveries SET failures = failures + 1, attempts = attempts + 1, last_error = ?, last_error_at = ?, lease_until = ?',
      error,
      at,
      Date.now() + this.lease,
    );
  }

  renew(): Promise<boolean> {
    return this.held('UPDATE webhook_deliveries SET lease_until = ?', Date.now() + this.lease);
  }

  async release(): Promise<void> {
    await this.held('UPDATE webhook_deliveries SET holder = NULL, holder_host = NULL, holder_pid = NULL, holder_pidns = NULL, lease_until = NULL').catch(
      () => {},
    );
    this.released = true;
  }
}
