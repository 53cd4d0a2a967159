import type pg from 'pg';

/**
 * Counts commits of the database as they happen: every committing transaction of rcache sends
 * NOTIFY rcache, which the server delivers to listeners only once the commit is visible. The
 * version is this count, so it is local to one store. A lost listening connection counts as a
 * commit (one may have gone unheard) and is opened again at the next wait.
 */
export class CommitWatch {
  private count = 0;
  private client: Promise<pg.Client> | undefined;
  private readonly wakers = new Set<() => void>();
  private closed = false;

  constructor(private readonly connect: () => Promise<pg.Client>) {}

  private bump(): void {
    this.count++;
    for (const wake of this.wakers) wake();
  }

  private listen(): Promise<pg.Client> {
    return (this.client ??= (async () => {
      const client = await this.connect();
      const lost = () => {
        if (this.client === undefined) return;
        this.client = undefined;
        client.end().catch(() => {});
        this.bump();
      };
      client.on('notification', () => this.bump());
      client.on('error', lost);
      client.on('end', lost);
      await client.query('LISTEN rcache');
      return client;
    })().catch((error) => {
      this.client = undefined;
      throw error;
    }));
  }

  async version(): Promise<number> {
    await this.listen();
    return this.count;
  }

  /** Resolves once the count passes `version`; checks the connection every `interval` ms. */
  async wait(version: number, interval: number, signal?: AbortSignal): Promise<number> {
    while (this.count <= version && !signal?.aborted && !this.closed) {
      const client = await this.listen();
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
    return signal?.aborted ? version : this.count;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    for (const wake of this.wakers) wake();
    if (client) await (await client.catch(() => undefined))?.end().catch(() => {});
  }
}
