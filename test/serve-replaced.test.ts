// `rcache serve` while its database file is deleted or replaced: it answers from the database now
// at the path, or 503 while there is none it can read, never from the file it opened first.
import { Nango } from '@nangohq/node';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lines, ndjson, rcache, tempDir } from './helpers.js';
import { startServe } from './serve-process.js';

const HEADERS = { 'Provider-Config-Key': 'default', 'Connection-Id': 'default' };

async function save(db: string, ids: string[]): Promise<void> {
  const result = await rcache(['--db', db, 'save', '--model', 'Contact'], { input: ndjson(ids.map((id) => ({ id, name: `name of ${id}` }))) });
  expect(result.code, result.stderr).toBe(0);
}

describe('rcache serve, when its database file is deleted or replaced', () => {
  it('answers 503 while none is at the path, then from the database now there: a new one, or a copy moved over it once the old log is gone', async () => {
    const root = tempDir();
    const dir = join(root, 'data');
    const db = join(dir, 'cache.db');
    mkdirSync(dir);
    await save(db, ['a0', 'a1', 'a2', 'a3', 'a4']);
    const server = await startServe(db);
    const get = async (path: string) => {
      const response = await fetch(`${server.url}${path}`, { headers: HEADERS });
      return { status: response.status, body: (await response.json()) as any };
    };
    const ids = async () => {
      const { status, body } = await get('/records?model=Contact');
      expect(status, JSON.stringify(body)).toBe(200);
      return (body.records as { id: string }[]).map((record) => record.id);
    };
    const prune = (untilCursor: string) =>
      fetch(`${server.url}/records/prune`, { method: 'PATCH', headers: HEADERS, body: JSON.stringify({ model: 'Contact', until_cursor: untilCursor }) });
    expect(await ids()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    const oldCursor = (await get('/records?model=Contact')).body.records[4]._nango_metadata.cursor as string;

    rmSync(dir, { recursive: true });
    for (const path of ['/health', '/records?model=Contact', '/api/overview', '/metrics']) {
      const { status, body } = await get(path);
      expect(status, path).toBe(503);
      expect(body.error, path).toMatchObject({ code: 'database_unavailable', message: expect.stringContaining(`${db} was deleted`) });
    }
    const pruned = await prune(oldCursor);
    expect(pruned.status).toBe(503);
    const nango = new Nango({ secretKey: 'unused', host: server.url });
    await expect(nango.listRecords({ providerConfigKey: 'default', connectionId: 'default', model: 'Contact' })).rejects.toMatchObject({
      response: { status: 503 },
    });

    mkdirSync(dir);
    await save(db, ['b0', 'b1']);
    expect(await ids()).toEqual(['b0', 'b1']);
    expect((await get('/health')).body.status).toBe('ok');
    // A cursor of the deleted database is not this one's.
    expect((await get(`/records?model=Contact&cursor=${oldCursor}`)).status).toBe(400);

    // Written while served: the write-ahead log beside the file keeps these pages while the server has the file open.
    await save(db, ['b2']);
    expect(await ids()).toEqual(['b0', 'b1', 'b2']);

    const copy = join(root, 'copy.db');
    await save(copy, ['c0', 'c1', 'c2']);
    renameSync(copy, db);
    // SQLite would read the copy through the log of the database it replaced, and find b0, b1, b2.
    const stale = await get('/records?model=Contact');
    expect(stale.status).toBe(503);
    expect(stale.body.error.message).toContain(`remove ${db}-wal and ${db}-shm`);
    rmSync(`${db}-wal`);
    rmSync(`${db}-shm`);
    expect(await ids()).toEqual(['c0', 'c1', 'c2']);

    // Nothing wrote to this one since the server opened it: a copy moved over it is answered at once.
    await save(copy, ['d0', 'd1', 'd2']);
    renameSync(copy, db);
    expect(await ids()).toEqual(['d0', 'd1', 'd2']);
    const last = (await get('/records?model=Contact')).body.records[2]._nango_metadata.cursor as string;
    expect(await (await prune(last)).json()).toEqual({ count: 3, has_more: false });
    const stored = lines((await rcache(['--db', db, 'records', '--model', 'Contact'])).stdout);
    expect(stored.map((record) => [record.id, typeof record._nango_metadata.pruned_at])).toEqual([
      ['d0', 'string'],
      ['d1', 'string'],
      ['d2', 'string'],
    ]);
    expect(server.stderr()).not.toMatch(/internal error/);
  });
});
