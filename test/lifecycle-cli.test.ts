import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, lines, ndjson, query, rcache, seed, tempDir } from './helpers.js';
import { dbLocation, itOnce, ON_POSTGRES } from './store-under-test.js';

const ESC = /\u001b\[/;

const CONTACTS = readFileSync(join(FIXTURES, 'contacts.ndjson'), 'utf8').split('\n').filter(Boolean);

/** The 300 contacts of the fixture, saved on January 1st, 2024. */
async function seeded() {
  const db = dbLocation(tempDir());
  await seed(db, CONTACTS, { model: 'Contact', at: '2024-01-01T00:00:00Z' });
  return db;
}

describe('rcache update', () => {
  it('merges partial records from stdin and reports updated, unchanged and unknown', async () => {
    const db = await seeded();
    const input = ndjson([
      { id: 'contact-1', address: { city: 'Bergen' } },
      { id: 'contact-2', subscribed: null },
      { id: 'contact-3' },
      { id: 'nobody', x: 1 },
    ]);
    const result = await rcache(['--db', db, 'update', '--model', 'Contact', '--json'], { input });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ added: 0, updated: 2, unchanged: 1, deleted: 0, unknown: 1, duplicates: 0, rejected: 0, skipped: 0 });
    const [first] = lines((await rcache(['--db', db, 'records', '--model', 'Contact', '--ids', 'contact-1'])).stdout);
    expect(first!.address).toMatchObject({ city: 'Bergen', country: expect.any(String), geo: expect.any(Object) });
    expect(first!._nango_metadata.last_action).toBe('UPDATED');
  });

  it('a bad line in strict mode rolls the whole update back', async () => {
    const db = await seeded();
    const result = await rcache(['--db', db, 'update', '--model', 'Contact'], { input: '{"id":"contact-1","x":1}\n{"x":2}\n' });
    expect(result.code).toBe(65);
    expect(result.stderr).toBe('rcache: <stdin>:2: record has no "id"\n');
    expect(query(db, "SELECT count(*) AS n FROM records WHERE action = 'UPDATED'")).toEqual([{ n: 0 }]);
  });
});

describe('rcache save --full-refresh', () => {
  it('soft-deletes what the complete export no longer contains', async () => {
    const db = dbLocation(tempDir());
    await rcache(['--db', db, 'save', '--model', 'Contact', '--ignore-field', 'fetched_at', join(FIXTURES, 'contacts.ndjson')]);
    const result = await rcache([
      '--db',
      db,
      'save',
      '--model',
      'Contact',
      '--full-refresh',
      '--ignore-field',
      'fetched_at',
      '--json',
      join(FIXTURES, 'contacts-changed.ndjson'),
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ added: 15, updated: 30, unchanged: 260, deleted: 10 });
    expect(lines((await rcache(['--db', db, 'records', '--model', 'Contact', '--filter', 'deleted'])).stdout)).toHaveLength(10);
  });

  it('refuses an empty input with a message that says how to force it, and deletes nothing', async () => {
    const db = await seeded();
    const refused = await rcache(['--db', db, 'save', '--model', 'Contact', '--full-refresh'], { input: '' });
    expect(refused.code).toBe(65);
    expect(refused.stderr).toBe('rcache: the input is empty: a full refresh would delete all 300 live records of Contact; pass --allow-empty to allow that\n');
    expect(query(db, 'SELECT count(*) AS n FROM records WHERE deleted_at IS NOT NULL')).toEqual([{ n: 0 }]);
    const forced = await rcache(['--db', db, 'save', '--model', 'Contact', '--full-refresh', '--allow-empty', '--json'], { input: '' });
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ deleted: 300 });
  });

  it('with rejected lines, deletes nothing and says why', async () => {
    const db = await seeded();
    const result = await rcache(['--db', db, 'save', '--model', 'Contact', '--full-refresh', '--skip-invalid', '--json'], {
      input: '{"id":"contact-1"}\n{broken\n',
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ updated: 1, rejected: 1, deleted: 0 });
    expect(result.stderr).toMatch(/1 line was rejected, so --full-refresh deleted nothing/);
  });
});

describe('rcache prune and reset', () => {
  it('--dry-run reports and changes nothing; a real prune then matches it', async () => {
    const db = await seeded();
    const env = { RCACHE_NOW: '2024-02-15T00:00:00Z' };
    const before = query(db, 'SELECT * FROM records');
    const dry = await rcache(['--db', db, 'prune', '--dry-run', '--json'], { env });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual({ pruned: 300, datasets_expired: 0, records_deleted: 0 });
    expect(query(db, 'SELECT * FROM records')).toEqual(before);
    const real = await rcache(['--db', db, 'prune', '--json'], { env });
    expect(JSON.parse(real.stdout)).toEqual({ pruned: 300, datasets_expired: 0, records_deleted: 0 });
    const [record] = lines((await rcache(['--db', db, 'records', '--model', 'Contact', '--limit', '1'])).stdout);
    expect(record).toEqual({ id: 'contact-1', _nango_metadata: expect.objectContaining({ pruned_at: '2024-02-15T00:00:00.000Z', last_action: 'ADDED' }) });
  });

  it('the payload TTL takes durations, and the edge is exact', async () => {
    const db = await seeded();
    const justInside = await rcache(['--db', db, 'prune', '--payload-ttl', '12h', '--json'], { env: { RCACHE_NOW: '2024-01-01T11:59:59.999Z' } });
    expect(JSON.parse(justInside.stdout).pruned).toBe(0);
    const atEdge = await rcache(['--db', db, 'prune', '--payload-ttl', '12h', '--json'], { env: { RCACHE_NOW: '2024-01-01T12:00:00.000Z' } });
    expect(JSON.parse(atEdge.stdout).pruned).toBe(300);
  });

  it('the dataset TTL expires a dataset with no recent sync', async () => {
    const db = await seeded();
    const inside = await rcache(['--db', db, 'prune', '--dataset-ttl', '60d', '--payload-ttl', '90d', '--json'], {
      env: { RCACHE_NOW: '2024-02-29T23:59:59Z' },
    });
    expect(JSON.parse(inside.stdout)).toEqual({ pruned: 0, datasets_expired: 0, records_deleted: 0 });
    const outside = await rcache(['--db', db, 'prune', '--dataset-ttl', '60d', '--payload-ttl', '90d'], { env: { RCACHE_NOW: '2024-03-01T00:00:01Z' } });
    expect(outside.code).toBe(0);
    expect(outside.stderr).toBe('prune: 0 payloads pruned, 1 dataset expired (300 records deleted)\n');
    expect(query(db, 'SELECT count(*) AS n FROM records')).toEqual([{ n: 0 }]);
  });

  it('--until-cursor prunes one dataset up to a cursor, and needs --model', async () => {
    const db = await seeded();
    const [, second] = lines((await rcache(['--db', db, 'records', '--model', 'Contact', '--limit', '2'])).stdout);
    const result = await rcache(['--db', db, 'prune', '--model', 'Contact', '--until-cursor', second!._nango_metadata.cursor, '--json']);
    expect(JSON.parse(result.stdout)).toEqual({ pruned: 2, datasets_expired: 0, records_deleted: 0 });
    const noModel = await rcache(['--db', db, 'prune', '--until-cursor', second!._nango_metadata.cursor]);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/--until-cursor needs --model/);
  });

  itOnce('an invalid duration is a usage error', async () => {
    const db = await seeded();
    const result = await rcache(['--db', db, 'prune', '--payload-ttl', '30 days']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("rcache: --payload-ttl takes a duration like 30d, 12h, 90m or 45s, not '30 days'\n");
  });

  it('reset empties the dataset and says how many records went', async () => {
    const db = await seeded();
    const result = await rcache(['--db', db, 'reset', '--model', 'Contact']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^reset Contact: 300 deleted/);
    expect(query(db, 'SELECT count(*) AS n FROM records')).toEqual([{ n: 0 }]);
  });
});

describe('rcache stats', () => {
  it('--json gives per-dataset counts in the documented shape', async () => {
    const db = await seeded();
    await rcache(['--db', db, 'delete', '--model', 'Contact', 'contact-1', 'contact-2']);
    await rcache(['--db', db, 'save', '--model', 'Deal'], { input: '{"id":"d1"}\n' });
    const result = await rcache(['--db', db, 'stats', '--json']);
    expect(result.code).toBe(0);
    const { datasets, database } = JSON.parse(result.stdout);
    expect(database).toEqual({ path: db, bytes: expect.any(Number), store: ON_POSTGRES ? 'PostgreSQL' : 'SQLite' });
    expect(datasets).toEqual([
      {
        integration: 'default',
        connection: 'default',
        model: 'Contact',
        live: 298,
        deleted: 2,
        pruned: 0,
        bytes: query<{ payload: string }>(db, "SELECT payload FROM records WHERE dataset_id = (SELECT id FROM datasets WHERE model = 'Contact')").reduce(
          (sum, row) => sum + Buffer.byteLength(row.payload),
          0,
        ),
        runs: 2,
        last_run_at: expect.stringMatching(/Z$/),
        last_change_at: expect.stringMatching(/Z$/),
        schema: false,
      },
      expect.objectContaining({ model: 'Deal', live: 1, runs: 1 }),
    ]);
    const narrowed = JSON.parse((await rcache(['--db', db, 'stats', '--json', '--model', 'Deal'])).stdout);
    expect(narrowed.datasets.map((d: any) => d.model)).toEqual(['Deal']);
  });

  it("--runs lists the history with each run's counts", async () => {
    const db = await seeded();
    await rcache(['--db', db, 'delete', '--model', 'Contact', 'contact-1', 'ghost']);
    const { runs } = JSON.parse((await rcache(['--db', db, 'stats', '--runs', '--json'])).stdout);
    expect(runs).toEqual([
      expect.objectContaining({ kind: 'save', model: 'Contact', added: 300, started_at: '2024-01-01T00:00:00.000Z', finished_at: '2024-01-01T00:00:00.000Z' }),
      expect.objectContaining({ kind: 'delete', model: 'Contact', deleted: 1, unknown: 1 }),
    ]);
  });

  itOnce('prints a plain table when piped or with NO_COLOR, and colours it with --color or FORCE_COLOR', async () => {
    const db = await seeded();
    const plain = await rcache(['--db', db, 'stats']);
    expect(plain.stdout).toMatch(new RegExp(`^${db.replace(/[.]/g, '\\.')} \\((SQLite|PostgreSQL), \\d+\\.\\d [KM]iB\\): 1 dataset\\n`));
    expect(plain.stdout).toMatch(/│ default +│ default +│ Contact │ +300 │ +0 │ +0 │/);
    expect(plain.stdout).not.toMatch(ESC);
    const forced = await rcache(['--db', db, 'stats', '--color']);
    expect(forced.stdout).toMatch(ESC);
    const byEnv = await rcache(['--db', db, 'records', '--model', 'Contact', '--format', 'table', '--limit', '3'], {
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    expect(byEnv.stdout).toMatch(ESC);
    const overridden = await rcache(['--db', db, 'stats', '--no-color'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(overridden.stdout).not.toMatch(ESC);
  });
});
