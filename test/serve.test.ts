import { Nango, type ListRecordsRequestConfig } from '@nangohq/node';
import { request, type IncomingMessage } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { rcache, tempDir, until, within } from './harness.js';
import { ndjson, seed } from './helpers.js';
import { startServe, type ServeProcess } from './serve-process.js';
import { dbLocation, itOnce } from './store-under-test.js';

const HEADERS = { 'Provider-Config-Key': 'default', 'Connection-Id': 'default' };
const DATASET = { providerConfigKey: 'default', connectionId: 'default' };

function contacts(count: number, from = 0): { id: string; name: string }[] {
  return Array.from({ length: count }, (_, i) => ({ id: `c${from + i}`, name: `Contact ${from + i}` }));
}

/** 300 contacts saved on Jan 1st; on Feb 1st 20 of them are updated and 10 deleted. */
async function seedHistory(db: string): Promise<void> {
  const save = ['--db', db, 'save', '--model', 'Contact'];
  await rcache(save, { input: ndjson(contacts(300)), env: { RCACHE_NOW: '2024-01-01T00:00:00Z' } });
  const changed = contacts(20, 100).map((contact) => ({ ...contact, name: `${contact.name} (renamed)` }));
  await rcache(save, { input: ndjson(changed), env: { RCACHE_NOW: '2024-02-01T00:00:00Z' } });
  await rcache(['--db', db, 'delete', '--model', 'Contact', ...contacts(10, 200).map((c) => c.id)], { env: { RCACHE_NOW: '2024-02-01T00:00:00Z' } });
}

async function error(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

/** A GET with any headers, Host included (which fetch does not let a caller set). */
function get(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(new URL(path, base), { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.once('end', () => resolve({ status: response.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('rcache serve, read by the Nango node client', () => {
  let db: string;
  let server: ServeProcess;
  let nango: Nango;

  beforeAll(async () => {
    db = dbLocation(tempDir());
    await seedHistory(db);
    server = await startServe(db);
    nango = new Nango({ secretKey: 'any key: the server has none', host: server.url });
  });

  it('pages through 300 records 100 at a time and gets every record exactly once', async () => {
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await nango.listRecords({ ...DATASET, model: 'Contact', limit: 100, cursor });
      ids.push(...page.records.map((record) => record.id as string));
      sizes.push(page.records.length);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(sizes).toEqual([100, 100, 100]);
    expect(new Set(ids).size).toBe(300);
  });

  it('answers byte for byte what `rcache records --format json` prints', async () => {
    const first = await rcache(['--db', db, 'records', '--model', 'Contact', '--limit', '100', '--format', 'json']);
    const response = await fetch(`${server.url}/records?model=Contact`, { headers: HEADERS });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.text()).toBe(first.stdout);
    const cursor = JSON.parse(first.stdout).next_cursor as string;
    const rest = await rcache(['--db', db, 'records', '--model', 'Contact', '--cursor', cursor, '--limit', '10000', '--format', 'json']);
    const tail = await fetch(`${server.url}/records/?model=Contact&limit=10000&cursor=${cursor}`, { headers: HEADERS });
    expect(await tail.text()).toBe(rest.stdout);
  });

  it('filters by one action, by a list of actions, by ids and by modification time', async () => {
    const list = (options: Pick<ListRecordsRequestConfig, 'filter' | 'ids' | 'modifiedAfter'>) =>
      nango.listRecords({ ...DATASET, model: 'Contact', limit: 1000, ...options }).then((page) => page.records);
    const deleted = await list({ filter: 'deleted' });
    expect(deleted.map((record) => record.id)).toEqual(contacts(10, 200).map((c) => c.id));
    expect(deleted.every((record) => record._nango_metadata.deleted_at !== null)).toBe(true);
    expect(await list({ filter: 'updated' })).toHaveLength(20);
    expect(await list({ filter: 'updated,deleted' })).toHaveLength(30);
    expect(await list({ filter: 'added' })).toHaveLength(270);
    expect((await list({ ids: ['c5', 'c150', 'nobody'] })).map((record) => record.id)).toEqual(['c5', 'c150']);
    expect(await list({ modifiedAfter: '2024-01-15T00:00:00.000Z' })).toHaveLength(30);
    // As in Nango, `ids` is repeated for several ids; a comma is part of an id.
    const comma = await fetch(`${server.url}/records?model=Contact&ids=c5,c6`, { headers: HEADERS });
    expect(await comma.json()).toEqual({ records: [], next_cursor: null });
  });

  it('answers an empty page for a dataset with no records', async () => {
    expect(await nango.listRecords({ ...DATASET, model: 'Nothing' })).toEqual({ records: [], next_cursor: null });
    const other = await fetch(`${server.url}/records?model=Contact`, { headers: { ...HEADERS, 'Connection-Id': 'someone-else' } });
    expect(await other.json()).toEqual({ records: [], next_cursor: null });
  });

  itOnce('refuses bad queries and missing headers with 400 in Nango’s error shape', async () => {
    const get = (query: string, headers: Record<string, string> = HEADERS) => fetch(`${server.url}/records?${query}`, { headers }).then(error);
    expect(await get('model=Contact&cursor=not-a-cursor')).toMatchObject({
      status: 400,
      code: 'invalid_query_params',
      message: expect.stringMatching(/^cursor: invalid cursor/),
    });
    expect(await get('model=Contact&page=2')).toMatchObject({ status: 400, code: 'invalid_query_params', message: expect.stringContaining("'page'") });
    expect(await get('model=Contact&limit=10001')).toMatchObject({ status: 400, code: 'invalid_query_params' });
    expect(await get('model=Contact&filter=created')).toMatchObject({ status: 400, code: 'invalid_query_params' });
    expect(await get('model=Contact&modified_after=yesterday')).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^modified_after: 'yesterday' is not/),
    });
    expect(await get('limit=5')).toMatchObject({ status: 400, code: 'invalid_query_params', message: 'model: required' });
    expect(await get('model=Contact', { 'Provider-Config-Key': 'default' })).toMatchObject({
      status: 400,
      code: 'invalid_headers',
      message: 'connection-id: required',
    });
    await expect(nango.listRecords({ ...DATASET, model: 'Contact', cursor: 'bogus' })).rejects.toMatchObject({ response: { status: 400 } });
  });

  itOnce('answers 404 for other paths and 405 for other methods', async () => {
    expect(await fetch(`${server.url}/connection`).then(error)).toMatchObject({ status: 404, code: 'not_found' });
    const post = await fetch(`${server.url}/records`, { method: 'POST', headers: HEADERS });
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await error(post)).toMatchObject({ status: 405, code: 'method_not_allowed' });
    expect(await fetch(`${server.url}/records/prune`).then(error)).toMatchObject({ status: 405 });
  });

  itOnce('refuses a URL over 16 KiB (414) and a body over 1 MiB (413)', async () => {
    expect((await fetch(`${server.url}/records?model=${'x'.repeat(17 * 1024)}`, { headers: HEADERS })).status).toBe(414);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${server.url}/records/prune`, { method: 'PATCH', headers: { ...HEADERS, 'Content-Length': String(2 * 1024 * 1024) } });
      req.on('response', (response) => resolve(response.statusCode));
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });

  itOnce('logs one line per request on standard error', async () => {
    // Its own requests: the test must pass when it runs alone.
    const headers = { 'Provider-Config-Key': 'default', 'Connection-Id': 'default' };
    expect((await fetch(`${server.url}/records?model=Contact&limit=1`, { headers })).status).toBe(200);
    expect((await fetch(`${server.url}/records`, { method: 'POST', headers })).status).toBe(405);
    await until(() => /POST \/records 405/.test(server.stderr()), 'the request to be logged');
    expect(server.stderr()).toMatch(/^\S+Z GET \/records 200 \d+ms$/m);
    expect(server.stderr()).toMatch(/^\S+Z POST \/records 405 \d+ms$/m);
  });
});

describe('rcache serve, writing and lifecycle', () => {
  it('cuts a default page of large records at 16 MiB with next_cursor set, so the Nango client pages through them all', async () => {
    const db = dbLocation(tempDir());
    const large = Array.from({ length: 40 }, (_, i) => ({ id: `big${i}`, blob: String(i % 10).repeat(1024 * 1024) }));
    await seed(db, large, { model: 'Blob' });
    const server = await startServe(db);
    const first = await fetch(`${server.url}/records?model=Blob`, { headers: HEADERS });
    expect(first.status).toBe(200);
    const text = await first.text();
    expect(text.length).toBeLessThanOrEqual(17 * 1024 * 1024);
    const page = JSON.parse(text) as { records: { id: string; _nango_metadata: { cursor: string } }[]; next_cursor: string | null };
    expect(page.records.length).toBeGreaterThan(0);
    expect(page.records.length).toBeLessThan(40);
    expect(page.next_cursor).toBe(page.records.at(-1)!._nango_metadata.cursor);
    const nango = new Nango({ secretKey: 'unused', host: server.url });
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 40; pages++) {
      const next = await nango.listRecords({ ...DATASET, model: 'Blob', cursor });
      for (const record of next.records) {
        expect(record.blob).toBe(String(Number(String(record.id).slice(3)) % 10).repeat(1024 * 1024));
        ids.push(String(record.id));
      }
      cursor = next.next_cursor ?? undefined;
      if (!cursor) break;
    }
    expect(ids).toEqual(large.map((record) => record.id));
  }, 60_000);

  it('prunes up to a cursor, in batches of `limit`, and the pruned records print as {id, _nango_metadata}', async () => {
    const db = dbLocation(tempDir());
    await seed(db, contacts(100), { model: 'Contact' });
    const server = await startServe(db);
    const nango = new Nango({ secretKey: 'unused', host: server.url });
    const first = await nango.listRecords({ ...DATASET, model: 'Contact', limit: 50 });
    const untilCursor = first.records[49]!._nango_metadata.cursor;
    expect(await nango.pruneRecords({ ...DATASET, model: 'Contact', untilCursor, limit: 20 })).toEqual({ count: 20, has_more: true });
    expect(await nango.pruneRecords({ ...DATASET, model: 'Contact', untilCursor })).toEqual({ count: 30, has_more: false });
    const after = await nango.listRecords({ ...DATASET, model: 'Contact', limit: 51 });
    expect(Object.keys(after.records[49]!)).toEqual(['id', '_nango_metadata']);
    expect(after.records[49]!._nango_metadata.pruned_at).toMatch(/Z$/);
    expect(after.records[50]).toMatchObject({ id: 'c50', name: 'Contact 50', _nango_metadata: { pruned_at: null } });
    const bad = await fetch(`${server.url}/records/prune`, {
      method: 'PATCH',
      headers: HEADERS,
      body: JSON.stringify({ model: 'Contact', until_cursor: 'x', force: true }),
    });
    expect(await error(bad)).toMatchObject({ status: 400, code: 'invalid_body' });
  });

  itOnce('with a secret key, every request needs `Authorization: Bearer <key>`', async () => {
    const db = dbLocation(tempDir());
    await seed(db, contacts(3), { model: 'Contact' });
    const server = await startServe(db, ['--host', 'localhost'], { RCACHE_SECRET_KEY: 's3cret' });
    const good = new Nango({ secretKey: 's3cret', host: server.url });
    expect((await good.listRecords({ ...DATASET, model: 'Contact' })).records).toHaveLength(3);
    const wrong = new Nango({ secretKey: 's3cret!', host: server.url });
    await expect(wrong.listRecords({ ...DATASET, model: 'Contact' })).rejects.toMatchObject({ response: { status: 401 } });
    const bare = await fetch(`${server.url}/records?model=Contact`, { headers: HEADERS });
    expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await error(bare)).toMatchObject({ status: 401, code: 'missing_auth_header' });
    const basic = await fetch(`${server.url}/records?model=Contact`, { headers: { ...HEADERS, Authorization: 'Basic czNjcmV0Og==' } });
    expect(await error(basic)).toMatchObject({ status: 401, code: 'malformed_auth_header' });
  });

  itOnce('without a secret key, refuses to listen on a non-loopback address', async () => {
    const db = dbLocation(tempDir());
    const result = await rcache(['--db', db, 'serve', '--host', '0.0.0.0', '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^rcache: refusing to listen on 0\.0\.0\.0 without a secret key.*RCACHE_SECRET_KEY/);
  });

  it('creates a missing database, and sees records that another process saves while it serves', async () => {
    const db = dbLocation(tempDir(), 'new.db');
    const server = await startServe(db);
    const nango = new Nango({ secretKey: 'unused', host: server.url });
    expect(await nango.listRecords({ ...DATASET, model: 'Contact' })).toEqual({ records: [], next_cursor: null });
    expect(await rcache(['--db', db, 'save', '--model', 'Contact'], { input: ndjson(contacts(2)) })).toMatchObject({ code: 0 });
    const page = await nango.listRecords({ ...DATASET, model: 'Contact' });
    expect(page.records.map((record) => record.id)).toEqual(['c0', 'c1']);
    await rcache(['--db', db, 'save', '--model', 'Contact'], { input: ndjson(contacts(1, 2)) });
    const cursor = page.records[1]!._nango_metadata.cursor;
    expect((await nango.listRecords({ ...DATASET, model: 'Contact', cursor })).records.map((record) => record.id)).toEqual(['c2']);
  });

  it('maps a variant other than "base" to the model <model>::<variant>, as Nango stores it', async () => {
    const db = dbLocation(tempDir());
    await seed(db, [{ id: 'eu-1' }], { model: 'Contact::eu' });
    await seed(db, [{ id: 'base-1' }], { model: 'Contact' });
    const server = await startServe(db);
    const ids = (variant: string) =>
      fetch(`${server.url}/records?model=Contact&variant=${variant}`, { headers: HEADERS })
        .then((response) => response.json() as Promise<{ records: { id: string }[] }>)
        .then((page) => page.records.map((record) => record.id));
    expect(await ids('eu')).toEqual(['eu-1']);
    expect(await ids('base')).toEqual(['base-1']);
  });

  itOnce('without a secret key, answers only requests addressed to this machine, so that DNS rebinding reads nothing', async () => {
    const db = dbLocation(tempDir());
    await seed(db, contacts(2), { model: 'Contact' });
    const server = await startServe(db);
    const port = new URL(server.url).port;
    for (const path of ['/records?model=Contact', '/', '/api/overview', '/metrics', '/nowhere']) {
      const refused = await get(server.url, path, { ...HEADERS, Host: `attacker.example:${port}` });
      expect(refused.status, path).toBe(403);
      expect(JSON.parse(refused.body).error.code).toBe('forbidden_host');
      expect(refused.body).not.toContain('c0');
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost']) {
      const answered = await get(server.url, '/records?model=Contact', { ...HEADERS, Host: host });
      expect(answered.status, host).toBe(200);
      expect(JSON.parse(answered.body).records).toHaveLength(2);
    }
    const keyed = await startServe(db, [], { RCACHE_SECRET_KEY: 's3cret' });
    const withKey = await get(keyed.url, '/records?model=Contact', { ...HEADERS, Host: 'cache.internal', Authorization: 'Bearer s3cret' });
    expect(withKey.status).toBe(200);
  });

  it('stops on SIGTERM with exit 0 while a dashboard follows live updates, ending their stream', async () => {
    const server = await startServe(dbLocation(tempDir()));
    const events = await new Promise<IncomingMessage>((resolve, reject) => request(`${server.url}/api/events`, resolve).on('error', reject).end());
    expect(events.statusCode).toBe(200);
    let text = '';
    const ended = new Promise<string>((resolve) => {
      events.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      events.once('end', () => resolve('ended'));
      events.once('aborted', () => resolve('aborted'));
      events.once('error', () => resolve('failed'));
    });
    await until(() => text.includes('event: version'), 'the first live update');
    server.child.kill('SIGTERM');
    expect(await ended).toBe('ended');
    // Then it closes the stream's connection, rather than leave it open for the keep-alive timeout (5 s).
    expect((await within(server.exited, 2_500))?.value).toBe(0);
    expect(server.stderr()).toMatch(/GET \/api\/events 200 \d+ms\n/);
  });

  it('stops on SIGTERM with exit 0, even with an idle keep-alive connection open', async () => {
    const server = await startServe(dbLocation(tempDir()));
    expect((await fetch(`${server.url}/records?model=Contact`, { headers: HEADERS })).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toMatch(/rcache serve: stopped by SIGTERM\n$/);
  });
});
