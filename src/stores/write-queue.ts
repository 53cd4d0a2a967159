/** What a write holds while it runs: one dataset (by key), or every dataset. */
export type WriteScope = string | typeof EVERY_DATASET;

export const EVERY_DATASET = Symbol('every dataset');

interface Waiter {
  scope: WriteScope;
  grant: (release: () => void) => void;
  refuse: (error: unknown) => void;
  /** Starts the wait's timeout over. */
  restart: () => void;
}

function conflict(a: WriteScope, b: WriteScope): boolean {
  return a === EVERY_DATASET || b === EVERY_DATASET || a === b;
}

/**
 * The writes of one process, queued: at most `slots` at once, one at a time per dataset, and a
 * write of every dataset alone. Waiters are served in order, except that one may pass an earlier
 * waiter it does not conflict with; nobody passes a waiter for every dataset. A waiter gives up
 * when no write has ended for `timeout` ms: a long queue of short writes is no reason to.
 */
export class WriteQueue {
  private readonly held: WriteScope[] = [];
  private readonly waiting: Waiter[] = [];
  private closedWith: Error | undefined;

  constructor(private readonly slots: number) {}

  /**
   * Resolves, once the write may run, with the function that ends it. Rejects with `timedOut()`
   * when no write ended for `timeout` ms, with the signal's reason when it aborts, or when the
   * queue is closed.
   */
  enter(scope: WriteScope, timeout: number, timedOut: () => Error, signal?: AbortSignal): Promise<() => void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const fail = (error: unknown) => {
        const at = this.waiting.indexOf(waiter);
        if (at < 0) return;
        this.waiting.splice(at, 1);
        waiter.refuse(error);
        this.serve();
      };
      const onAbort = () => fail(signal!.reason);
      let timer = setTimeout(() => fail(timedOut()), timeout);
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        scope,
        grant: (release) => {
          settle();
          resolve(release);
        },
        refuse: (error) => {
          settle();
          reject(error);
        },
        restart: () => {
          clearTimeout(timer);
          timer = setTimeout(() => fail(timedOut()), timeout);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.serve();
    });
  }

  /** Refuses every waiting write and every later one with `error`; writes already running go on. */
  close(error: Error): void {
    this.closedWith = error;
    for (const waiter of this.waiting.splice(0)) waiter.refuse(error);
  }

  private serve(): void {
    const passed: WriteScope[] = [];
    for (let i = 0; i < this.waiting.length && this.held.length < this.slots; ) {
      const waiter = this.waiting[i]!;
      const blocked = [...this.held, ...passed].some((scope) => conflict(scope, waiter.scope));
      if (blocked) {
        passed.push(waiter.scope);
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.held.push(waiter.scope);
      waiter.grant(this.releaser(waiter.scope));
    }
  }

  private releaser(scope: WriteScope): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.splice(this.held.indexOf(scope), 1);
      this.serve();
      for (const waiter of this.waiting) waiter.restart();
    };
  }
}
