import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCache, type Cache } from '../src/index.js';
import { tempDir } from './helpers.js';
import { CONTACTS, save } from './library.js';
import { fixtureFor } from './store-fixtures.js';
import { freshStore, STORES, type StoreKind } from './stores.js';

const opened: Cache[] = [];
afterEach(async () => {
  for (const cache of opened.splice(0)) await cache.close();
});

async function opening(...args: Parameters<typeof openCache>): Promise<Cache> {
  const cache = await openCache(...args);
  opened.push(cache);
  return cache;
}

/** A writer and a reader on one database, as two processes would have: two connections. */
async function pair(kind: StoreKind) {
  const path = await freshStore(kind);
  const writer = await opening(path);
  await save(writer, [{ id: 'a' }]);
  const reader = await opening(path, { readonly: true });
  return { path, writer, reader };
}

describe.each(STORES)('waiting for a commit, on %s', (store) => {
  it('returns at once for a commit made after the last read, even one made before the wait began', async () => {
    const { writer, reader } = await pair(store);
    const changes = await reader.reader(CONTACTS);
    const version = await reader.version();
    expect((await changes.next(10)).map((c) => c.id)).toEqual(['a']);
    // Committed while the reader was busy elsewhere (writing its output, say).
    await save(writer, [{ id: 'b' }]);
    const started = Date.now();
    expect(await reader.waitForCommit(version, { interval: 10_000 })).toMatchObject({ reason: 'committed' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await changes.next(10)).map((c) => c.id)).toEqual(['b']);
  });

  it('wakes for a checkpoint or a schema written alone, as for a run', async () => {
    const { writer, reader } = await pair(store);
    const writes = [
      () => writer.setCheckpoint(CONTACTS, { after: 'p1' }),
      () => writer.setSchema(CONTACTS, { type: 'object' }),
      () => writer.clearSchema(CONTACTS),
    ];
    for (const write of writes) {
      const version = await reader.version();
      await write();
      expect(await reader.waitForCommit(version, { interval: 10_000 })).toMatchObject({ reason: 'committed' });
      expect(await reader.version()).toBeGreaterThan(version);
    }
  });

  it('waits while nothing is committed, and ends when a signal aborts it or `stop` says so', async () => {
    const { reader } = await pair(store);
    const version = await reader.version();
    const controller = new AbortController();
    const waiting = reader.waitForCommit(version, { interval: 20, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    expect(await waiting).toEqual({ reason: 'aborted', version });
    let checks = 0;
    expect(await reader.waitForCommit(version, { interval: 5, stop: () => ++checks > 3 })).toEqual({ reason: 'stopped', version });
  });

  it('says when the database was deleted and created again', async () => {
    const { path, writer, reader } = await pair(store);
    const version = await reader.version();
    await writer.close();
    fixtureFor(path).drop(path);
    await save(await opening(path), [{ id: 'z' }]);
    expect(await reader.waitForCommit(version, { interval: 20 })).toMatchObject({ reason: 'replaced' });
  });
});

// SQLite only: another file renamed over the one opened, which a server's database cannot be.
describe('waiting for a commit, on sqlite', () => {
  it('says when the database file was replaced', async () => {
    const { path, reader } = await pair('sqlite');
    const version = await reader.version();
    const other = join(tempDir(), 'other.db');
    await save(await opening(other), [{ id: 'z' }]);
    renameSync(other, path);
    expect(await reader.waitForCommit(version, { interval: 20 })).toMatchObject({ reason: 'replaced' });
  });
});
