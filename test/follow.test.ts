import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChangeReader, openCache, waitForCommit, type RecordsCache } from '../src/index.js';
import { tempDir } from './helpers.js';
import { CONTACTS, save } from './library.js';

const opened: RecordsCache[] = [];
afterEach(() => {
  for (const cache of opened.splice(0)) cache.close();
});

function opening(...args: Parameters<typeof openCache>): RecordsCache {
  const cache = openCache(...args);
  opened.push(cache);
  return cache;
}

/** A writer and a reader on one file, as two processes would have: two connections. */
function pair() {
  const path = join(tempDir(), 'cache.db');
  const writer = opening(path);
  save(writer, [{ id: 'a' }]);
  const reader = opening(path, { readonly: true });
  return { path, writer, reader };
}

describe('waiting for a commit', () => {
  it('returns at once for a commit made after the last read, even one made before the wait began', async () => {
    const { writer, reader } = pair();
    const changes = new ChangeReader(reader, CONTACTS);
    expect(changes.next(10).map((c) => c.id)).toEqual(['a']);
    // Committed while the reader was busy elsewhere (writing its output, say).
    save(writer, [{ id: 'b' }]);
    const started = Date.now();
    expect(await waitForCommit(reader, changes.readVersion!, { interval: 10_000 })).toBe('committed');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(changes.next(10).map((c) => c.id)).toEqual(['b']);
  });

  it('waits while nothing is committed, and ends when a signal aborts it or `stop` says so', async () => {
    const { reader } = pair();
    const changes = new ChangeReader(reader, CONTACTS);
    changes.next(10);
    const controller = new AbortController();
    const waiting = waitForCommit(reader, changes.readVersion!, { interval: 20, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    expect(await waiting).toBe('aborted');
    let checks = 0;
    expect(await waitForCommit(reader, changes.readVersion!, { interval: 5, stop: () => ++checks > 3 })).toBe('stopped');
  });

  it('says when the database file was replaced', async () => {
    const { path, reader } = pair();
    const changes = new ChangeReader(reader, CONTACTS);
    changes.next(10);
    const other = join(tempDir(), 'other.db');
    save(opening(other), [{ id: 'z' }]);
    renameSync(other, path);
    expect(await waitForCommit(reader, changes.readVersion!, { interval: 20 })).toBe('replaced');
  });
});
