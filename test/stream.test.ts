import { describe, expect, it } from 'vitest';
import { ChangeReader, decodeCursor, encodeCursor } from '../src/index.js';
import { CONTACTS, changes, freshCache, remove, save } from './library.js';

describe('the change stream', () => {
  it('is in change order across runs, each record once, at its latest change', () => {
    const cache = freshCache();
    save(cache, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    save(cache, [{ id: 'a', n: 1 }]);
    remove(cache, ['b']);
    expect(changes(cache).map((c) => [c.id, c.action])).toEqual([
      ['c', 'ADDED'],
      ['a', 'UPDATED'],
      ['b', 'DELETED'],
    ]);
  });

  it('after a cursor holds exactly the later changes', () => {
    const cache = freshCache();
    save(cache, [{ id: 'a' }, { id: 'b' }]);
    const cursor = changes(cache)[1]!.seq;
    save(cache, [{ id: 'c' }]);
    save(cache, [{ id: 'a', n: 2 }]);
    expect(changes(cache, cursor).map((c) => c.id)).toEqual(['c', 'a']);
  });

  it('pages with a small limit see every change once', () => {
    const cache = freshCache();
    save(cache, Array.from({ length: 25 }, (_, i) => ({ id: `r${i}` })));
    const reader = new ChangeReader(cache, CONTACTS);
    const seen: string[] = [];
    for (let page = reader.next(4); page.length > 0; page = reader.next(4)) seen.push(...page.map((c) => c.id));
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`));
  });

  it('filters by a list of actions (any of them), by ids and by modification time', () => {
    const cache = freshCache();
    process.env.RCACHE_NOW = '2024-01-01T00:00:00Z';
    save(cache, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    process.env.RCACHE_NOW = '2024-01-03T00:00:00Z';
    save(cache, [{ id: 'a', n: 1 }]);
    remove(cache, ['b']);
    delete process.env.RCACHE_NOW;
    const read = (query: object) => new ChangeReader(cache, CONTACTS, query).next(100).map((c) => c.id);
    expect(read({ actions: ['UPDATED', 'DELETED'] })).toEqual(['a', 'b']);
    expect(read({ actions: ['ADDED'] })).toEqual(['c']);
    expect(read({ ids: ['c', 'b', 'zz'] })).toEqual(['c', 'b']);
    expect(read({ modifiedAfter: Date.parse('2024-01-02T00:00:00Z') })).toEqual(['a', 'b']);
  });

  it('a cursor is URL-safe and round-trips; anything else is refused', () => {
    for (const seq of [0, 1, 42, 9007199254740991]) {
      const cursor = encodeCursor(seq);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toBe(seq);
    }
    for (const bad of ['x', 'cmM6', 'cmM6LTE', '!!!', Buffer.from('rc:01').toString('base64url'), 'a'.repeat(100)]) {
      expect(() => decodeCursor(bad), bad).toThrow(/invalid cursor/);
    }
  });

  it('an unknown dataset is an empty stream', () => {
    const cache = freshCache();
    expect(changes(cache, 0, { ...CONTACTS, model: 'Nothing' })).toEqual([]);
  });
});
