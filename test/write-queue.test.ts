// The queue a process's writes wait in: who goes when, and when a wait ends without a turn.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EVERY_DATASET, WriteQueue, type WriteScope } from '../src/stores/write-queue.js';

const busy = () => new Error('busy');

/** Enters the queue and records, in `order`, the name of each write when its turn comes. */
function enter(queue: WriteQueue, order: string[], name: string, scope: WriteScope, timeout = 60_000, signal?: AbortSignal) {
  return queue.enter(scope, timeout, busy, signal).then((release) => {
    order.push(name);
    return release;
  });
}

afterEach(() => vi.useRealTimers());

describe('the queue of writes', () => {
  it('one slot: writes go one at a time, in the order they came', async () => {
    const queue = new WriteQueue(1);
    const order: string[] = [];
    const a = enter(queue, order, 'a', 'A');
    const b = enter(queue, order, 'b', 'B');
    const c = enter(queue, order, 'c', 'A');
    (await a)();
    (await b)();
    (await c)();
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it("several slots: other datasets go at once, a dataset's own writes and a write of every dataset wait", async () => {
    const queue = new WriteQueue(4);
    const order: string[] = [];
    const a1 = await enter(queue, order, 'a1', 'A');
    const a2 = enter(queue, order, 'a2', 'A');
    const b1 = await enter(queue, order, 'b1', 'B');
    const every = enter(queue, order, 'every', EVERY_DATASET);
    // Behind the write of every dataset, even a dataset nobody writes waits.
    const c1 = enter(queue, order, 'c1', 'C');
    expect(order).toEqual(['a1', 'b1']);
    a1();
    (await a2)();
    b1();
    (await every)();
    (await c1)();
    expect(order).toEqual(['a1', 'b1', 'a2', 'every', 'c1']);
  });

  it('a waiter gives up when no write ends for the timeout, not while writes keep ending', async () => {
    vi.useFakeTimers();
    const queue = new WriteQueue(1);
    const order: string[] = [];
    let release = await enter(queue, order, 'w0', 'A', 100);
    const waiters = [1, 2, 3].map((n) => enter(queue, order, `w${n}`, 'A', 100));
    const last = waiters[2]!.then(
      () => 'granted',
      (error: Error) => error.message,
    );
    for (let n = 0; n < 2; n++) {
      await vi.advanceTimersByTimeAsync(90);
      release();
      release = await waiters[n]!;
    }
    await vi.advanceTimersByTimeAsync(100);
    expect(await last).toBe('busy');
    expect(order).toEqual(['w0', 'w1', 'w2']);
  });

  it('an aborted signal, or closing the queue, refuses a waiter and lets the next one go', async () => {
    const queue = new WriteQueue(1);
    const order: string[] = [];
    const first = await enter(queue, order, 'first', 'A');
    const stop = new AbortController();
    const stopped = enter(queue, order, 'stopped', 'A', 60_000, stop.signal);
    const next = enter(queue, order, 'next', 'A');
    stop.abort(new Error('stopped by the caller'));
    await expect(stopped).rejects.toThrow('stopped by the caller');
    first();
    const release = await next;
    const late = enter(queue, order, 'late', 'B');
    queue.close(new Error('closed'));
    await expect(late).rejects.toThrow('closed');
    await expect(enter(queue, order, 'after', 'C')).rejects.toThrow('closed');
    release();
    expect(order).toEqual(['first', 'next']);
  });
});
