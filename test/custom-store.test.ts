// A store a program brings: registered for a URL scheme when it opens a cache, used by every call,
// and named as it names itself.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServedDatabase } from '../src/http/database.js';
import { startServer } from '../src/http/server.js';
import { InvalidArgumentError, openCache, StoreError, type Cache, type Store, type StoreOpener } from '../src/index.js';
import { openSqliteStore } from '../src/stores/sqlite/sqlite-store.js';
import { tempDir } from './helpers.js';

const open: Cache[] = [];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const cache of open.splice(0)) await cache.close();
});

/**
 * A store of its own for `notebook:NAME`: it keeps NAME as a SQLite file in `dir`, through a SQLite
 * store it delegates to, and calls itself "Notebook".
 */
function notebook(dir: string): { opener: StoreOpener; opened: string[] } {
  const opened: string[] = [];
  const opener: StoreOpener = async (location, options) => {
    opened.push(location);
    const inner: Store = await openSqliteStore(join(dir, location.slice('notebook:'.length)), options);
    return new Proxy(inner, {
      get(target, key) {
        if (key === 'info') return async () => ({ ...(await target.info()), kind: 'Notebook', location });
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  return { opener, opened };
}

async function openNotebook(dir: string, stores = { 'notebook:': notebook(dir).opener }): Promise<Cache> {
  const cache = await openCache('notebook:contacts.db', { stores });
  open.push(cache);
  return cache;
}

describe('a store registered by a program', () => {
  it('opens the locations of its scheme, and every call of the cache goes through it', async () => {
    const dir = tempDir();
    const { opener, opened } = notebook(dir);
    const cache = await openNotebook(dir, { 'notebook:': opener });
    expect(opened).toEqual(['notebook:contacts.db']);
    // Two saves at once: the registered store's writes are queued like rcache's own.
    const [first, second] = await Promise.all([cache.save({ model: 'A' }, ['{"id":1}', '{"id":2}']), cache.save({ model: 'B' }, ['{"id":3}'])]);
    expect([first.added, second.added]).toEqual([2, 1]);
    const ids = [];
    for await (const record of cache.changes({ model: 'A' })) ids.push(record.id);
    expect(ids).toEqual(['1', '2']);
    expect(existsSync(join(dir, 'contacts.db'))).toBe(true);
    expect(await cache.info()).toMatchObject({ kind: 'Notebook', location: 'notebook:contacts.db' });
  });

  it('is named by its own name on the dashboard', async () => {
    const cache = await openNotebook(tempDir());
    const database = await ServedDatabase.of(cache, () => openNotebook(tempDir()));
    const server = await startServer({ database, host: '127.0.0.1', port: 0, secret: undefined, log: () => {} });
    stops.push(server.stop);
    const overview = (await (await fetch(`http://127.0.0.1:${server.address.port}/api/overview`)).json()) as { database: { store: string; location: string } };
    expect(overview.database).toMatchObject({ store: 'Notebook', location: 'notebook:contacts.db' });
  });

  it('a scheme nobody registered is refused, and so is a key that is no scheme', async () => {
    const dir = tempDir();
    const elsewhere = await openCache('ledger://x', { stores: { 'notebook:': notebook(dir).opener } }).catch((error: unknown) => error);
    expect(elsewhere).toBeInstanceOf(StoreError);
    expect((elsewhere as StoreError).kind).toBe('bad-location');
    expect((elsewhere as Error).message).toBe(
      'cannot open ledger:// database: rcache does not know the scheme ledger://; give a file path, a notebook: location or a postgres:// URL',
    );
    const unnamed = await openCache('notebook:x', { stores: { notebook: notebook(dir).opener } }).catch((error: unknown) => error);
    expect(unnamed).toBeInstanceOf(InvalidArgumentError);
    expect((unnamed as Error).message).toBe('stores: "notebook" is not a URL scheme as URL.protocol writes it, such as "memory:"');
  });
});
