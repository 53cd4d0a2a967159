// What `rcache serve` answers beside the records themselves: the headers of every answer, names
// sent in headers, /health and /metrics for monitoring.
import { Nango } from '@nangohq/node';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lines, ndjson, rcache, tempDir, seed } from './helpers.js';
import { parsePrometheus, sampleSum } from './prometheus.js';
import { startServe } from './serve-process.js';
import { dbLocation, describeOnce } from './store-under-test.js';

const HEADERS = { 'Provider-Config-Key': 'default', 'Connection-Id': 'default' };
const VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

async function run(db: string, args: string[], input = '', at?: string): Promise<string> {
  const result = await rcache(['--db', db, ...args], { input, env: { RCACHE_NOW: at } });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** A GET whose header values go out as the given bytes (Node sends each character of a string below 256 as one byte). */
function getWithBytes(url: string, headers: Record<string, Buffer>): Promise<{ status: number; body: any }> {
  const latin1 = Object.fromEntries(Object.entries(headers).map(([name, bytes]) => [name, bytes.toString('latin1')]));
  return new Promise((resolve, reject) => {
    request(url, { headers: latin1 }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.once('end', () => resolve({ status: response.statusCode!, body: JSON.parse(body) }));
    })
      .on('error', reject)
      .end();
  });
}

/** What the server answers to bytes that are not a valid HTTP request. */
function rawAnswer(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    let text = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
    socket.once('close', () => resolve(text));
    socket.once('error', reject);
  });
}

describeOnce('rcache serve, the headers of its answers', () => {
  it('sends X-Content-Type-Options: nosniff with every answer: records, errors, the page, assets, metrics and refused requests', async () => {
    const db = dbLocation(tempDir());
    await seed(db, [{ id: 1 }], { model: 'Contact' });
    const server = await startServe(db);
    const page = await fetch(`${server.url}/`);
    const asset = /src="\/assets\/([^"]+)"/.exec(await page.text())![1]!;
    const answers: [string, Response][] = [
      ['the page', page],
      ['a record page', await fetch(`${server.url}/records?model=Contact`, { headers: HEADERS })],
      ['a bad query', await fetch(`${server.url}/records?model=Contact&limit=0`, { headers: HEADERS })],
      ['an unknown path', await fetch(`${server.url}/nowhere`)],
      ['a wrong method', await fetch(`${server.url}/records`, { method: 'DELETE' })],
      ['a long URL', await fetch(`${server.url}/records?model=${'x'.repeat(17 * 1024)}`)],
      ['an asset', await fetch(`${server.url}/assets/${asset}`)],
      ['a missing asset', await fetch(`${server.url}/assets/nothing-12345678.js`)],
      ['the metrics', await fetch(`${server.url}/metrics`)],
      ['the health check', await fetch(`${server.url}/health`)],
    ];
    for (const [what, response] of answers) expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
    expect(answers.map(([, response]) => response.status)).toEqual([200, 200, 400, 404, 405, 414, 200, 404, 200, 200]);

    const malformed = await rawAnswer(server.url, 'GET /records HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n');
    expect(malformed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(malformed).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/i);
    expect(JSON.parse(malformed.slice(malformed.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('refuses a name beyond ASCII in a header with 400 invalid_headers saying how to send it, and reads it sent percent-encoded', async () => {
    const db = dbLocation(tempDir());
    const connection = 'Müller & Söhne';
    await run(db, ['save', '--model', 'Contact', '--integration', 'crm', '--connection', connection], ndjson([{ id: 'm1' }, { id: 'm2' }]));
    await run(db, ['save', '--model', 'Contact', '--integration', 'crm', '--connection', '50%off'], ndjson([{ id: 'p1' }]));
    const server = await startServe(db);
    const url = `${server.url}/records?model=Contact`;
    const integration = Buffer.from('crm');

    for (const bytes of [Buffer.from(connection, 'utf8'), Buffer.from(connection, 'latin1')]) {
      const refused = await getWithBytes(url, { 'Provider-Config-Key': integration, 'Connection-Id': bytes });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('invalid_headers');
      expect(refused.body.error.message).toMatch(/^connection-id: has characters beyond ASCII, .*Latin-1.*percent-encoded as UTF-8/);
    }
    const ids = async (connectionId: string) => {
      const response = await fetch(url, { headers: { 'Provider-Config-Key': 'crm', 'Connection-Id': connectionId } });
      expect(response.status, connectionId).toBe(200);
      return ((await response.json()) as { records: { id: string }[] }).records.map((record) => record.id);
    };
    expect(await ids(encodeURIComponent(connection))).toEqual(['m1', 'm2']);
    expect(await ids('50%off')).toEqual(['p1']);
    expect(await ids('50%25off')).toEqual(['p1']);
    const nango = new Nango({ secretKey: 'unused', host: server.url });
    const page = await nango.listRecords({ providerConfigKey: 'crm', connectionId: encodeURIComponent(connection), model: 'Contact' });
    expect(page.records.map((record) => record.id)).toEqual(['m1', 'm2']);

    const broken = await fetch(url, { headers: { 'Provider-Config-Key': 'crm', 'Connection-Id': 'caf%E9' } });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { message: string } }).error.message).toBe(
      "connection-id: '%E9' is not percent-encoded UTF-8: send a % that is part of the name as %25",
    );
  });
});

describe('rcache serve, for monitoring', () => {
  it('/health gives rcache’s version, and the number of the last run committed under a name that says so', async () => {
    const db = dbLocation(tempDir());
    await seed(db, [{ id: 1 }], { model: 'Contact' });
    await seed(db, [{ id: 1 }], { model: 'Deal' });
    await run(db, ['delete', '--model', 'Contact', '1']);
    const server = await startServe(db);
    const health = async () => (await fetch(`${server.url}/health`)).json();
    expect(await health()).toEqual({ status: 'ok', version: VERSION, last_run_number: 3 });
    await seed(db, [{ id: 2 }], { model: 'Deal' });
    expect(await health()).toEqual({ status: 'ok', version: VERSION, last_run_number: 4 });
  });

  it('/metrics gives each dataset’s last run and last change times and its runs by kind, with its names escaped', async () => {
    const db = dbLocation(tempDir());
    const odd = { integration: 'crm "eu"', connection: 'back\\slash', model: 'two\nlines' };
    const named = ['--integration', odd.integration, '--connection', odd.connection, '--model', odd.model];
    await seed(db, [{ id: 1 }], { model: 'Old', at: '2024-01-01T00:00:00Z' });
    await seed(db, [{ id: 1 }, { id: 2 }, { id: 3 }], { model: 'Contact', at: '2024-02-01T00:00:00Z' });
    await seed(db, [{ id: 1 }, { id: 2 }, { id: 3 }], { model: 'Contact', at: '2024-02-02T00:00:00Z' });
    await run(db, ['delete', '--model', 'Contact', '3'], '', '2024-02-03T00:00:00Z');
    await run(db, ['save', ...named], ndjson([{ id: 'x' }]), '2024-03-01T00:00:00Z');
    const cursor = lines(await run(db, ['records', ...named]))[0]!._nango_metadata.cursor as string;
    await run(db, ['prune', ...named, '--until-cursor', cursor], '', '2024-03-02T12:30:00.250Z');
    // Expires Old (no run for 69 days); the others are younger than 45 days.
    await run(db, ['prune', '--dataset-ttl', '45d', '--payload-ttl', '365d'], '', '2024-03-10T00:00:00Z');
    const stats = JSON.parse(await run(db, ['stats', '--json'])).datasets as Record<string, any>[];
    expect(stats.map((dataset) => dataset.model).sort()).toEqual(['Contact', odd.model]);

    const server = await startServe(db);
    const samples = parsePrometheus(await (await fetch(`${server.url}/metrics`)).text());
    const value = (name: string, labels: Record<string, string> = {}) => sampleSum(samples, name, labels);
    const contact = { integration: 'default', connection: 'default', model: 'Contact' };
    expect(value('rcache_dataset_last_run_timestamp_seconds', contact)).toBe(Date.parse('2024-02-03T00:00:00Z') / 1000);
    expect(value('rcache_dataset_last_change_timestamp_seconds', contact)).toBe(Date.parse('2024-02-03T00:00:00Z') / 1000);
    expect(value('rcache_dataset_last_run_timestamp_seconds', odd)).toBe(Date.parse('2024-03-02T12:30:00.250Z') / 1000);
    expect(value('rcache_dataset_last_change_timestamp_seconds', odd)).toBe(Date.parse('2024-03-01T00:00:00Z') / 1000);
    for (const dataset of stats) {
      const names = { integration: dataset.integration, connection: dataset.connection, model: dataset.model };
      expect(value('rcache_dataset_last_run_timestamp_seconds', names)).toBe(Date.parse(dataset.last_run_at) / 1000);
      expect(value('rcache_dataset_runs_total', names)).toBe(dataset.runs);
    }
    expect(value('rcache_dataset_runs_total', { ...contact, kind: 'save' })).toBe(2);
    expect(value('rcache_dataset_runs_total', { ...contact, kind: 'delete' })).toBe(1);
    expect(value('rcache_dataset_runs_total', { ...odd, kind: 'save' })).toBe(1);
    expect(value('rcache_dataset_runs_total', { ...odd, kind: 'prune' })).toBe(1);
    // The expired dataset has no series of its own; its runs still count in the totals.
    expect(samples.filter((sample) => sample.labels.model === 'Old')).toEqual([]);
    expect(value('rcache_runs_total', { kind: 'save' })).toBe(4);
    expect(value('rcache_runs_total', { kind: 'prune' })).toBe(2);
    expect(value('rcache_datasets')).toBe(2);
  });
});
