import type pg from 'pg';
import { StoreError, type WaitOptions, type WaitResult } from '../store.js';

/**
 * Counts commits of the database as they happen: every committing transaction of rcache sends
 * NOTIFY rcache, which the server delivers to listeners only once the commit is visible. The
 * version is this count, so it is local to one store. A lost listening connection counts as a
 * commit (one may have gone unheard) and is opened again at the next wait, after checking that
 * the database is still the one opened (`sameDatabase`), as it is after each commit heard.
 */
export class CommitWatch {
  private count = 0;
  private client: Promise<pg.Client> | undefined;
  private readonly wakers = new Set<() => void>();
  private closed = false;
  private replaced = false;

  constructor(
    private readonly connect: () => Promise<pg.Client>,
    private readonly sameDatabase: (client: pg.Client) => Promise<boolean>,
  ) {}

  private bump(): void {
    this.count++;
    for (const wake of this.wakers) wake();
  }

  private listen(): Promise<pg.Client> {
    if (this.client !== undefined) return this.client;
    const listening: Promise<pg.Client> = (async () => {
      const client = await this.connect();
      // A lost connection reports itself twice (an error, then its end), maybe after a new one
      // has taken its place: only the connection in place is let go.
      const lost = () => {
        if (this.client !== listening) return;
        this.client = undefined;
        client.end().catch(() => {});
        this.bump();
      };
      client.on('notification', () => this.bump());
      client.on('error', lost);
      client.on('end', lost);
      await client.query('LISTEN rcache');
      // A check that fails says nothing of the identity (the connection may be lost during it,
      // which counts as a commit); only an answer naming another database does.
      if ((await this.sameDatabase(client).catch(() => true)) === false) this.replaced = true;
      return client;
    })();
    this.client = listening;
    listening.catch(() => {
      if (this.client === listening) this.client = undefined;
    });
    return listening;
  }

  async version(): Promise<number> {
    await this.listen();
    return this.count;
  }

  /** Waits for the count to pass `version`, checking the connection and `stop` every `interval` ms. */
  async wait(version: number, { interval, signal, stop }: WaitOptions): Promise<WaitResult> {
    for (;;) {
      if (signal?.aborted || this.closed) return { reason: 'aborted', version };
      let client: pg.Client;
      try {
        client = await this.listen();
      } catch (error) {
        // The database is gone: it is no longer the one opened.
        if (error instanceof StoreError && error.kind === 'missing') return { reason: 'replaced', version };
        throw error;
      }
      if (this.replaced) return { reason: 'replaced', version };
      if (this.count > version) {
        // The commit heard may be to an rcache schema made again after this one was dropped, which
        // ends no connection. A check that fails (the connection lost) is left to the next connection.
        if ((await this.sameDatabase(client).catch(() => true)) === false) this.replaced = true;
        return this.replaced ? { reason: 'replaced', version } : { reason: 'committed', version: this.count };
      }
      if (stop?.()) return { reason: 'stopped', version };
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wakers.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, interval);
        this.wakers.add(done);
        signal?.addEventListener('abort', done, { once: true });
        if (signal?.aborted || this.count > version) done();
      });
      // A round trip proves the connection alive, and delivers any notification still in flight.
      if (this.count <= version && !signal?.aborted) await client.query('SELECT 1').catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    for (const wake of this.wakers) wake();
    if (client) await (await client.catch(() => undefined))?.end().catch(() => {});
  }
}
