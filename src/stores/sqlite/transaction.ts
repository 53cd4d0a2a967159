import type { Connection } from './connection.js';

/** The transaction that a run or other work holds on the connection, from its begin to its commit or abort. */
export class Transaction {
  private ended = false;

  constructor(
    readonly conn: Connection,
    private readonly doing: 'read' | 'write',
  ) {}

  /** Runs `work` in the transaction; any SQLite failure reaches callers as a StoreError. */
  run<T>(work: () => T): T {
    if (this.ended) throw new Error('this run has already ended');
    return this.conn.guard(this.doing, work);
  }

  /** Runs `last`, then commits; the transaction ends either way. */
  commit(last: () => void): void {
    try {
      this.run(last);
      this.conn.commit();
    } finally {
      this.end();
    }
  }

  /** Rolls back whatever is not committed. Safe to call more than once. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.conn.release();
  }
}
