import { describe, expect, it } from 'vitest';
import { dashboardServer } from './dashboard-helpers.js';
import { lines, rcache, seed, tempDir } from './helpers.js';

async function serve(records: unknown[]): Promise<{ url: string; db: string }> {
  const db = `${tempDir()}/cache.db`;
  await seed(db, records, { model: 'Contact' });
  const server = await dashboardServer(db);
  return { url: server.url, db };
}

const DATASET = 'integration=default&connection=default&model=Contact';

describe('the dashboard API', () => {
  it('refuses a bad cursor, order, limit, filter or time with a 400 naming the parameter', async () => {
    const { url } = await serve([{ id: 1 }]);
    const cases: [string, string][] = [
      ['cursor=nope', 'cursor'],
      ['order=sideways', 'order'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['filter=added,gone', 'filter'],
      ['modified_after=yesterday', 'modified_after'],
    ];
    for (const [query, name] of cases) {
      const response = await fetch(`${url}/api/changes?${DATASET}&${query}`);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_query_params');
      expect(body.error.message.startsWith(`${name}: `), body.error.message).toBe(true);
    }
    const missing = await fetch(`${url}/api/changes?integration=default&connection=default`);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe('model: required');
  });

  it('answers a record as rcache records prints it, and 404 for an unknown id', async () => {
    const { url, db } = await serve([{ id: 'a', n: 1.5, name: 'Ann' }]);
    const [printed] = lines((await rcache(['--db', db, 'records', '--model', 'Contact'])).stdout);
    const response = await fetch(`${url}/api/record?${DATASET}&id=a`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { record: unknown }).record).toEqual(printed);
    expect((await fetch(`${url}/api/record?${DATASET}&id=b`)).status).toBe(404);
  });

  it('serves hashed assets for a year and the page without caching, and nothing but GET and HEAD', async () => {
    const { url } = await serve([{ id: 1 }]);
    const page = await fetch(`${url}/`);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const scripts = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((match) => match[1]!);
    expect(scripts.length).toBe(3);
    for (const name of scripts) {
      expect(name).toMatch(/-[A-Z0-9]{8}\.(js|css|svg)$/);
      const asset = await fetch(`${url}/assets/${name}`, { headers: { 'Accept-Encoding': 'gzip' } });
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('content-encoding')).toBe('gzip');
    }
    expect((await fetch(`${url}/assets/../package.json`)).status).toBe(404);
    expect((await fetch(`${url}/assets/nothing-12345678.js`)).status).toBe(404);
    expect((await fetch(`${url}/api/overview`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
