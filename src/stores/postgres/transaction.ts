import type pg from 'pg';
import { NOTIFY_AND_COMMIT } from './connection.js';
import { storeError } from './errors.js';
import { prepared } from './statements.js';

/**
 * A transaction on a connection of its own, from its begin to its commit or abort. A failure ends
 * it: the connection is closed, and the server rolls back what it held.
 */
export class Transaction {
  private ended = false;
  /** Work sent and not waited for: the next use of the connection waits for it, and fails if it failed. */
  private sent: Promise<unknown> | undefined;

  constructor(
    readonly client: pg.PoolClient,
    readonly where: string,
    private readonly onEnd: () => void = () => {},
  ) {}

  /** Runs `work` on the connection; any failure ends the transaction and reaches the caller as a StoreError. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    const sent = this.sent;
    this.sent = undefined;
    await sent;
    if (this.ended) throw new Error('this run has already ended');
    try {
      return await work();
    } catch (error) {
      await this.end(error);
      throw storeError(error, this.where);
    }
  }

  /**
   * Starts `work` without waiting for it to end: the caller goes on (preparing the next batch)
   * while the server carries it out. Its failure reaches the next use of the transaction.
   */
  send(work: () => Promise<unknown>): void {
    const sent = this.guard(work);
    sent.catch(() => {});
    this.sent = sent;
  }

  /** The rows of one statement, as arrays. */
  async query<R extends unknown[] = unknown[]>(sql: string, params: unknown[]): Promise<R[]> {
    return this.guard(async () => (await this.client.query<R>(prepared(sql, params))).rows);
  }

  /** Commits; unless `quiet` (nothing was written), readers waiting for a commit are woken. */
  async commit(quiet = false): Promise<void> {
    await this.guard(() => this.client.query(quiet ? 'COMMIT' : NOTIFY_AND_COMMIT));
    await this.end();
  }

  /** Rolls back. Safe to call more than once, and after commit. */
  async abort(): Promise<void> {
    await this.sent?.catch(() => {});
    if (this.ended) return;
    let failure: unknown;
    await this.client.query('ROLLBACK').catch((error: unknown) => (failure = error));
    await this.end(failure);
  }

  /** Gives the connection back; one that failed is closed. */
  private async end(failure?: unknown): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.client.release(failure === undefined ? undefined : failure instanceof Error ? failure : new Error(String(failure)));
    this.onEnd();
  }
}
