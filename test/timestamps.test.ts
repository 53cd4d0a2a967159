import { beforeAll, describe, expect, it } from 'vitest';
import { parseTimestamp } from '../src/decisions/time.js';
import { InvalidArgumentError } from '../src/errors.js';
import { rcache, tempDir } from './harness.js';
import { lines, ndjson } from './helpers.js';
import { startServe, type ServeProcess } from './serve-process.js';
import { dbLocation } from './store-under-test.js';

const utc = (...parts: [number, number, number, number?, number?, number?, number?]) => Date.UTC(...parts);

describe('times: ISO 8601, and only moments that exist', () => {
  const valid: [string, number][] = [
    ['2024-01-15', utc(2024, 0, 15)],
    ['2024-01-15T10:00:00Z', utc(2024, 0, 15, 10)],
    ['2024-01-15t10:00:00z', utc(2024, 0, 15, 10)],
    ['2024-01-15 10:00:00Z', utc(2024, 0, 15, 10)],
    ['2024-01-15T10:30Z', utc(2024, 0, 15, 10, 30)],
    ['2024-01-15T10:00:00.5Z', utc(2024, 0, 15, 10, 0, 0, 500)],
    ['2024-01-15T10:00:00.123456Z', utc(2024, 0, 15, 10, 0, 0, 123)],
    ['2024-01-15T23:59:59.999Z', utc(2024, 0, 15, 23, 59, 59, 999)],
    ['2024-01-15T10:00:00+02:00', utc(2024, 0, 15, 8)],
    ['2024-01-15T10:00:00-05:30', utc(2024, 0, 15, 15, 30)],
    ['2024-01-15T10:00:00+0530', utc(2024, 0, 15, 4, 30)],
    ['2024-01-15T10:00+05', utc(2024, 0, 15, 5)],
    ['2024-01-15T10:00:00+23:59', utc(2024, 0, 15, 10) - (23 * 60 + 59) * 60_000],
    ['2024-01-15T00:00:00-00:00', utc(2024, 0, 15)],
    ['2024-02-29', utc(2024, 1, 29)],
    ['2000-02-29', utc(2000, 1, 29)],
    ['2023-02-28', utc(2023, 1, 28)],
    ['2024-01-31', utc(2024, 0, 31)],
    ['2024-03-31', utc(2024, 2, 31)],
    ['2024-04-30', utc(2024, 3, 30)],
    ['2024-12-31T23:59:59Z', utc(2024, 11, 31, 23, 59, 59)],
    ['0001-01-01', Date.parse('0001-01-01T00:00:00Z')],
    ['2024-01-15T10:00', new Date(2024, 0, 15, 10).getTime()],
    ['2024-07-01 08:15:30', new Date(2024, 6, 1, 8, 15, 30).getTime()],
  ];
  it.each(valid)('%s is read', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  const invalid: [string, RegExp][] = [
    ['2026-02-30', /'2026-02-30' is not a valid time: February 2026 has 28 days$/],
    ['2026-02-31', /February 2026 has 28 days/],
    ['2026-02-29', /February 2026 has 28 days/],
    ['1900-02-29', /February 1900 has 28 days/],
    ['2100-02-29', /February 2100 has 28 days/],
    ['2024-02-30', /February 2024 has 29 days/],
    ['2026-04-31', /April 2026 has 30 days/],
    ['2026-06-31', /June 2026 has 30 days/],
    ['2026-09-31', /September 2026 has 30 days/],
    ['2026-11-31T10:00:00Z', /November 2026 has 30 days/],
    ['2026-01-32', /January 2026 has 31 days/],
    ['2026-01-00', /January 2026 has 31 days/],
    ['2026-00-10', /the month must be 01 to 12/],
    ['2026-13-01', /the month must be 01 to 12/],
    ['2026-01-15T24:00:00Z', /the hour must be 00 to 23/],
    ['2026-01-15T24:00', /the hour must be 00 to 23/],
    ['2026-01-15T10:60:00Z', /the minutes must be 00 to 59/],
    ['2026-01-15T10:00:60Z', /the seconds must be 00 to 59/],
    ['2026-01-15T10:00:00+24:00', /the offset must be within ±23:59/],
    ['2026-01-15T10:00:00+05:60', /the offset must be within ±23:59/],
    ['2026-12-06 (yesterday)', /is not an ISO 8601 timestamp/],
    ['2026-12-06T10:00:00Z (UTC)', /is not an ISO 8601 timestamp/],
    ['2026-12-06T10:00:00Zjunk', /is not an ISO 8601 timestamp/],
    ['2026-12-06x', /is not an ISO 8601 timestamp/],
    ['2026-12-06 ', /is not an ISO 8601 timestamp/],
    [' 2026-12-06', /is not an ISO 8601 timestamp/],
    ['2026-12-06Z', /is not an ISO 8601 timestamp/],
    ['2026-12-06T10', /is not an ISO 8601 timestamp/],
    ['2026-12-06T', /is not an ISO 8601 timestamp/],
    ['2026-12-06T10:00:00.Z', /is not an ISO 8601 timestamp/],
    ['2026-12-06T10:00:00+5:00', /is not an ISO 8601 timestamp/],
    ['2026-12-06T10:00:00+05:00:00', /is not an ISO 8601 timestamp/],
    ['2026-12-06T10:00:00 GMT', /is not an ISO 8601 timestamp/],
    ['2026-1-6', /is not an ISO 8601 timestamp/],
    ['26-12-06', /is not an ISO 8601 timestamp/],
    ['+002026-12-06', /is not an ISO 8601 timestamp/],
    ['20261206', /is not an ISO 8601 timestamp/],
    ['Dec 6 2026', /is not an ISO 8601 timestamp/],
    ['yesterday', /is not an ISO 8601 timestamp/],
    ['', /is not an ISO 8601 timestamp/],
  ];
  it.each(invalid)('%j is refused', (text, message) => {
    expect(() => parseTimestamp(text, '--modified-after')).toThrow(InvalidArgumentError);
    expect(() => parseTimestamp(text, '--modified-after')).toThrow(message);
    expect(() => parseTimestamp(text, '--modified-after')).toThrow(/^--modified-after: /);
  });
});

describe('a date that does not exist is a usage error wherever a time is taken', () => {
  let db: string;
  let server: ServeProcess;
  const HEADERS = { 'Provider-Config-Key': 'default', 'Connection-Id': 'default' };
  // The cases share one database, made before them (and so kept until the file ends).
  beforeAll(async () => {
    db = dbLocation(tempDir());
    // A record of March 1st: February 30th read as March 2nd would skip it without a word.
    await rcache(['--db', db, 'save', '--model', 'M'], { input: ndjson([{ id: 'march-first' }]), env: { RCACHE_NOW: '2026-03-01T12:00:00Z' } });
    server = await startServe(db);
  });

  it('records --modified-after', async () => {
    const refused = await rcache(['--db', db, 'records', '--model', 'M', '--modified-after', '2026-02-30']);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toBe("rcache: --modified-after: '2026-02-30' is not a valid time: February 2026 has 28 days\n");
    const junk = await rcache(['--db', db, 'records', '--model', 'M', '--modified-after', '2026-12-06 (yesterday)']);
    expect(junk).toMatchObject({ code: 2, stdout: '' });
    expect(junk.stderr).toMatch(/^rcache: --modified-after: '2026-12-06 \(yesterday\)' is not an ISO 8601 timestamp/);
    const read = await rcache(['--db', db, 'records', '--model', 'M', '--modified-after', '2026-02-28']);
    expect(lines(read.stdout).map((record) => record.id)).toEqual(['march-first']);
  });

  it('stats --since and RCACHE_NOW', async () => {
    const since = await rcache(['--db', db, 'stats', '--runs', '--since', '2026-04-31']);
    expect(since).toMatchObject({ code: 2, stdout: '' });
    expect(since.stderr).toMatch(/^rcache: --since: '2026-04-31' is not a valid time: April 2026 has 30 days\n$/);
    const now = await rcache(['--db', db, 'prune', '--dry-run'], { env: { RCACHE_NOW: '2026-02-31T00:00:00Z' } });
    expect(now).toMatchObject({ code: 2, stdout: '' });
    expect(now.stderr).toMatch(/^rcache: RCACHE_NOW: '2026-02-31T00:00:00Z' is not a valid time: February 2026 has 28 days\n$/);
  });

  it('GET /records and the dashboard API answer 400', async () => {
    const records = await fetch(`${server.url}/records?model=M&modified_after=2026-02-30`, { headers: HEADERS });
    expect(records.status).toBe(400);
    expect(await records.json()).toMatchObject({
      error: { code: 'invalid_query_params', message: "modified_after: '2026-02-30' is not a valid time: February 2026 has 28 days" },
    });
    const changes = await fetch(`${server.url}/api/changes?model=M&modified_after=${encodeURIComponent('2026-12-06 (yesterday)')}`);
    expect(changes.status).toBe(400);
    expect(((await changes.json()) as { error: { code: string } }).error.code).toBe('invalid_query_params');
    const runs = await fetch(`${server.url}/api/runs?since=2026-02-29`);
    expect(runs.status).toBe(400);
    const fine = await fetch(`${server.url}/records?model=M&modified_after=2026-02-28`, { headers: HEADERS });
    expect(((await fine.json()) as { records: { id: string }[] }).records.map((record) => record.id)).toEqual(['march-first']);
  });
});
