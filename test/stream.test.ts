import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../src/decisions/cursor.js';
import { at, CONTACTS, changes, freshCache, remove, save } from './library.js';
import { STORES } from './stores.js';

describe.each(STORES)('the change stream, on %s', (store) => {
  it('is in change order across runs, each record once, at its latest change', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    await save(cache, [{ id: 'a', n: 1 }]);
    await remove(cache, ['b']);
    expect((await changes(cache)).map((c) => [c.id, c.action])).toEqual([
      ['c', 'ADDED'],
      ['a', 'UPDATED'],
      ['b', 'DELETED'],
    ]);
  });

  it('after a cursor holds exactly the later changes', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }, { id: 'b' }]);
    const cursor = (await changes(cache))[1]!.position;
    await save(cache, [{ id: 'c' }]);
    await save(cache, [{ id: 'a', n: 2 }]);
    expect((await changes(cache, cursor)).map((c) => c.id)).toEqual(['c', 'a']);
  });

  it('pages with a small limit see every change once', async () => {
    const cache = await freshCache(store);
    await save(
      cache,
      Array.from({ length: 25 }, (_, i) => ({ id: `r${i}` })),
    );
    const reader = await cache.reader(CONTACTS);
    const seen: string[] = [];
    for (let page = await reader.next(4); page.length > 0; page = await reader.next(4)) seen.push(...page.map((c) => c.id));
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`));
  });

  it('filters by a list of actions (any of them), by ids and by modification time', async () => {
    const cache = await freshCache(store);
    at(cache, '2024-01-01T00:00:00Z');
    await save(cache, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    at(cache, '2024-01-03T00:00:00Z');
    await save(cache, [{ id: 'a', n: 1 }]);
    await remove(cache, ['b']);
    const read = async (query: object) => (await (await cache.reader(CONTACTS, query)).next(100)).map((c) => c.id);
    expect(await read({ actions: ['UPDATED', 'DELETED'] })).toEqual(['a', 'b']);
    expect(await read({ actions: ['ADDED'] })).toEqual(['c']);
    expect(await read({ ids: ['c', 'b', 'zz'] })).toEqual(['c', 'b']);
    expect(await read({ modifiedAfter: Date.parse('2024-01-02T00:00:00Z') })).toEqual(['a', 'b']);
  });

  it('an unknown dataset is an empty stream', async () => {
    const cache = await freshCache(store);
    expect(await changes(cache, 0, { ...CONTACTS, model: 'Nothing' })).toEqual([]);
  });
});

describe('cursors', () => {
  it('a cursor is URL-safe and round-trips; anything else is refused', async () => {
    for (const position of [0, 1, 42, 9007199254740991]) {
      const cursor = encodeCursor('AbCdEf-_0123', position);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toEqual({ databaseId: 'AbCdEf-_0123', position });
      // A bare position names no database: a consumer could silently miss changes with it.
      expect(() => decodeCursor(Buffer.from(`rc:${position}`).toString('base64url'))).toThrow(/invalid cursor '.*': it names no database/);
    }
    for (const bad of ['x', 'cmM6', 'cmM6LTE', '!!!', Buffer.from('rc:01').toString('base64url'), 'a'.repeat(100)]) {
      expect(() => decodeCursor(bad), bad).toThrow(/invalid cursor/);
    }
  });
});

describe.each(STORES)('following and paging from a program, on %s', (store) => {
  it('follow yields the backlog, then each change as it is committed, until the signal aborts', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a' }]);
    const stop = new AbortController();
    const seen: string[] = [];
    // The test waits for the follower to yield (or fail), not for time to pass.
    const waiting = new Map<number, () => void>();
    const yielded = (count: number) => new Promise<void>((resolve) => (seen.length >= count ? resolve() : waiting.set(count, resolve)));
    const following = (async () => {
      for await (const record of cache.follow(CONTACTS, { interval: 20, signal: stop.signal })) {
        seen.push(`${record.id}:${record._nango_metadata.last_action}`);
        waiting.get(seen.length)?.();
        if (seen.length === 3) stop.abort();
      }
    })();
    await Promise.race([yielded(1), following]);
    await save(cache, [{ id: 'b' }]);
    await Promise.race([yielded(2), following]);
    await remove(cache, ['a']);
    await following;
    expect(seen).toEqual(['a:ADDED', 'b:ADDED', 'a:DELETED']);
  });

  it('waitForCommit ends after a commit of any dataset, and says when it was aborted instead', async () => {
    const cache = await freshCache(store);
    const version = await cache.version();
    const waiting = cache.waitForCommit(version, { interval: 10 });
    await save(cache, [{ id: 'x' }], [], { ...CONTACTS, model: 'Other' });
    const committed = await waiting;
    expect(committed.reason).toBe('committed');
    expect(committed.version).toBeGreaterThan(version);
    const stop = new AbortController();
    const idle = cache.waitForCommit(committed.version, { interval: 10, signal: stop.signal });
    stop.abort();
    expect(await idle).toEqual({ reason: 'aborted', version: committed.version });
  });

  it('pages newest first by keyset, each change once, and a cursor continues either way', async () => {
    const cache = await freshCache(store);
    await save(
      cache,
      Array.from({ length: 7 }, (_, i) => ({ id: `r${i}` })),
    );
    const reader = await cache.reader(CONTACTS, { order: 'newest-first' });
    const pages: string[][] = [];
    for (let page = await reader.next(3); page.length > 0; page = await reader.next(3)) pages.push(page.map((c) => c.id));
    expect(pages).toEqual([['r6', 'r5', 'r4'], ['r3', 'r2', 'r1'], ['r0']]);
    const middle = (await changes(cache))[3]!;
    const older = await cache.reader(CONTACTS, { order: 'newest-first', cursor: reader.cursorOf(middle.position) });
    expect((await older.next(10)).map((c) => c.id)).toEqual(['r2', 'r1', 'r0']);
  });

  it('with a span, a filter matching few records is searched a part of the stream at a time, each match once', async () => {
    const cache = await freshCache(store);
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    await save(
      cache,
      ids.map((id) => ({ id })),
    );
    // r3, r11 and r17 stay ADDED at positions 4, 12 and 18; the others are UPDATED at 21 to 37.
    await save(
      cache,
      ids.filter((id) => !['r3', 'r11', 'r17'].includes(id)).map((id) => ({ id, n: 1 })),
    );
    const search = async (order: 'oldest-first' | 'newest-first') => {
      const reader = await cache.reader(CONTACTS, { order, actions: ['ADDED'], span: 5 });
      const pages: { ids: string[]; partial: boolean; positions: number[] }[] = [];
      for (let calls = 0; calls < 20; calls++) {
        const from = reader.position;
        const page = await reader.next(10);
        pages.push({ ids: page.map((c) => c.id), partial: reader.searchedPart, positions: page.map((c) => c.position) });
        if (from !== undefined) for (const position of page.map((c) => c.position)) expect(Math.abs(position - from)).toBeLessThanOrEqual(5);
        if (!reader.searchedPart) break;
      }
      return pages;
    };
    const oldest = await search('oldest-first');
    expect(oldest.flatMap((page) => page.ids)).toEqual(['r3', 'r11', 'r17']);
    expect(oldest).toHaveLength(8);
    expect(oldest.map((page) => page.partial)).toEqual([true, true, true, true, true, true, true, false]);
    const newest = await search('newest-first');
    expect(newest.flatMap((page) => page.ids)).toEqual(['r17', 'r11', 'r3']);
    expect(newest.at(-1)!.partial).toBe(false);
    const unbounded = await cache.reader(CONTACTS, { actions: ['ADDED'] });
    expect((await unbounded.next(10)).map((c) => c.id)).toEqual(['r3', 'r11', 'r17']);
    expect(unbounded.searchedPart).toBe(false);
  });
});

describe.each(STORES)('one record, on %s', (store) => {
  it('is found by id whatever its state, with its position; an unknown id or dataset is undefined', async () => {
    const cache = await freshCache(store);
    await save(cache, [{ id: 'a', n: 1 }, { id: 'b' }]);
    await remove(cache, ['a']);
    expect(await cache.record(CONTACTS, 'a')).toMatchObject({ id: 'a', action: 'DELETED', payload: '{"id":"a","n":1}', position: 3 });
    expect(await cache.record(CONTACTS, 'zz')).toBeUndefined();
    expect(await cache.record({ ...CONTACTS, model: 'Nothing' }, 'a')).toBeUndefined();
  });
});
