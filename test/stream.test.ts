import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../src/decisions/cursor.js';
import { CONTACTS, changes, freshCache, remove, save } from './library.js';

describe('the change stream', () => {
  it('is in change order across runs, each record once, at its latest change', async () => {
    const cache = await freshCache();
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
    const cache = await freshCache();
    await save(cache, [{ id: 'a' }, { id: 'b' }]);
    const cursor = (await changes(cache))[1]!.position;
    await save(cache, [{ id: 'c' }]);
    await save(cache, [{ id: 'a', n: 2 }]);
    expect((await changes(cache, cursor)).map((c) => c.id)).toEqual(['c', 'a']);
  });

  it('pages with a small limit see every change once', async () => {
    const cache = await freshCache();
    await save(cache, Array.from({ length: 25 }, (_, i) => ({ id: `r${i}` })));
    const reader = await cache.reader(CONTACTS);
    const seen: string[] = [];
    for (let page = await reader.next(4); page.length > 0; page = await reader.next(4)) seen.push(...page.map((c) => c.id));
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`));
  });

  it('filters by a list of actions (any of them), by ids and by modification time', async () => {
    const cache = await freshCache();
    process.env.RCACHE_NOW = '2024-01-01T00:00:00Z';
    await save(cache, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    process.env.RCACHE_NOW = '2024-01-03T00:00:00Z';
    await save(cache, [{ id: 'a', n: 1 }]);
    await remove(cache, ['b']);
    delete process.env.RCACHE_NOW;
    const read = async (query: object) => (await (await cache.reader(CONTACTS, query)).next(100)).map((c) => c.id);
    expect(await read({ actions: ['UPDATED', 'DELETED'] })).toEqual(['a', 'b']);
    expect(await read({ actions: ['ADDED'] })).toEqual(['c']);
    expect(await read({ ids: ['c', 'b', 'zz'] })).toEqual(['c', 'b']);
    expect(await read({ modifiedAfter: Date.parse('2024-01-02T00:00:00Z') })).toEqual(['a', 'b']);
  });

  it('a cursor is URL-safe and round-trips; anything else is refused', async () => {
    for (const seq of [0, 1, 42, 9007199254740991]) {
      const cursor = encodeCursor('AbCdEf-_0123', seq);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toEqual({ databaseId: 'AbCdEf-_0123', position: seq });
      // As printed before databases had an id.
      expect(decodeCursor(Buffer.from(`rc:${seq}`).toString('base64url'))).toEqual({ databaseId: undefined, position: seq });
    }
    for (const bad of ['x', 'cmM6', 'cmM6LTE', '!!!', Buffer.from('rc:01').toString('base64url'), 'a'.repeat(100)]) {
      expect(() => decodeCursor(bad), bad).toThrow(/invalid cursor/);
    }
  });

  it('an unknown dataset is an empty stream', async () => {
    const cache = await freshCache();
    expect(await changes(cache, 0, { ...CONTACTS, model: 'Nothing' })).toEqual([]);
  });
});
