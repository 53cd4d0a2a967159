import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lines, ndjson, query, rcache, seed, tempDir } from './helpers.js';
import { dbLocation, describeOnce, itOnce } from './store-under-test.js';

// Writes that never clobber newer data, the limit on a full refresh's deletions, and volatile
// fields, end to end with the built binary.

async function withRecords(records: unknown[]): Promise<string> {
  const db = dbLocation(tempDir());
  await seed(db, records);
  return db;
}

const run = (db: string, args: string[], input = '') => rcache(['--db', db, ...args, '--model', 'M'], { input });
const stream = async (db: string, cursor?: string) => lines((await run(db, ['records', ...(cursor ? ['--cursor', cursor] : [])])).stdout);
const payloads = async (db: string) =>
  Object.fromEntries((await stream(db)).map(({ _nango_metadata: meta, ...payload }) => [payload.id, { ...payload, action: meta.last_action }]));

describe('--unless-modified-after: records changed after the cursor are left exactly as they are', () => {
  it('save: a record another writer changed after the cursor is skipped, appears nowhere in the stream, and is counted', async () => {
    const db = await withRecords([
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
      { id: 'c', v: 1 },
    ]);
    const cursor = (await run(db, ['cursor'])).stdout.trim();
    // Another writer, after the cursor was taken and before this sync's save.
    expect((await run(db, ['save'], ndjson([{ id: 'a', v: 2 }]))).code).toBe(0);
    const before = await stream(db, cursor);

    const fetched = ndjson([
      { id: 'a', v: 'stale' },
      { id: 'b', v: 3 },
      { id: 'a', v: 'stale again' },
      { id: 'd', v: 1 },
    ]);
    const result = await run(db, ['save', '--unless-modified-after', cursor, '--json'], fetched);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ added: 1, updated: 1, unchanged: 0, deleted: 0, unknown: 0, duplicates: 1, rejected: 0, skipped: 1 });
    expect(await stream(db, cursor)).toEqual([before[0], expect.objectContaining({ id: 'b', v: 3 }), expect.objectContaining({ id: 'd' })]);

    const human = await run(db, ['save', '--unless-modified-after', cursor], ndjson([{ id: 'a', v: 'stale' }]));
    expect(human.stderr).toMatch(/^save M: 0 added, 0 updated, 0 unchanged, 1 skipped \(/);
  });

  it('update and delete skip such records too', async () => {
    const db = await withRecords([
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
    ]);
    const cursor = (await run(db, ['cursor'])).stdout.trim();
    await run(db, ['save'], ndjson([{ id: 'a', v: 2 }]));
    const updated = await run(
      db,
      ['update', '--unless-modified-after', cursor, '--json'],
      ndjson([
        { id: 'a', w: 1 },
        { id: 'b', w: 1 },
      ]),
    );
    expect(JSON.parse(updated.stdout)).toMatchObject({ updated: 1, skipped: 1 });
    const deleted = await run(db, ['delete', '--unless-modified-after', cursor, '--json', 'a', 'b']);
    // b was changed by the update, after the cursor, too.
    expect(JSON.parse(deleted.stdout)).toMatchObject({ deleted: 0, skipped: 2 });
    expect(await payloads(db)).toEqual({ a: { id: 'a', v: 2, action: 'UPDATED' }, b: { id: 'b', v: 1, w: 1, action: 'UPDATED' } });
  });

  it('a full refresh does not delete records added after the cursor, which its fetch could not have seen', async () => {
    const db = await withRecords([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const cursor = (await run(db, ['cursor'])).stdout.trim();
    await run(db, ['save'], ndjson([{ id: 'new' }]));
    const result = await run(db, ['save', '--full-refresh', '--unless-modified-after', cursor, '--json'], ndjson([{ id: 'a' }, { id: 'b' }]));
    expect(JSON.parse(result.stdout)).toMatchObject({ unchanged: 2, deleted: 1, skipped: 1 });
    expect(Object.keys(await payloads(db)).sort()).toEqual(['a', 'b', 'c', 'new']);
    expect((await payloads(db)).c.action).toBe('DELETED');
  });

  it('a cursor that is not one of this database is a usage error, before anything is written', async () => {
    const db = await withRecords([{ id: 'a' }]);
    const other = await withRecords([{ id: 'a' }, { id: 'b' }]);
    const foreign = (await run(other, ['cursor'])).stdout.trim();
    for (const cursor of ['nonsense', foreign]) {
      const result = await run(db, ['save', '--unless-modified-after', cursor], ndjson([{ id: 'a', v: 2 }]));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^rcache: --unless-modified-after takes a cursor/);
    }
    expect((await payloads(db)).a).toEqual({ id: 'a', action: 'ADDED' });
  });
});

describe('--version-field: a lower version never replaces a higher one', () => {
  it('skips lower versions, and the highest version of an id in the input wins, not the last line', async () => {
    const db = await withRecords([
      { id: 'n', rev: 10, x: 'stored' },
      { id: 't', meta: { at: '2024-01-01T12:00:00+02:00' }, x: 'stored' },
      { id: 's', rev: 'b', x: 'stored' },
    ]);
    const input = ndjson([
      { id: 'n', rev: 9.5, x: 'lower: 9.5 < 10' },
      { id: 't', meta: { at: '2024-01-01T09:59:59.999Z' }, x: 'lower: before 10:00Z' },
      { id: 's', rev: 'a', x: 'lower' },
      { id: 'new', rev: 2, x: 'highest' },
      // biome-ignore lint/correctness/noPrecisionLoss: the digits a JavaScript number cannot hold are the point
      { id: 'new', rev: 12345678901234567890, x: 'highest' },
      { id: 'new', rev: 3, x: 'lower than the line before' },
    ]);
    const result = await run(
      db,
      ['save', '--version-field', 'rev', '--json'],
      input
        .split('\n')
        .filter((line) => !line.includes('"t"'))
        .join('\n'),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ added: 1, updated: 0, unchanged: 0, duplicates: 2, skipped: 2 });
    const timed = await run(
      db,
      ['save', '--version-field', 'meta.at', '--json'],
      ndjson([
        { id: 't', meta: { at: '2024-01-01T09:59:59.999Z' }, x: 'lower' },
        { id: 't', meta: { at: '2024-01-01T10:00:00.001Z' }, x: 'higher' },
      ]),
    );
    expect(JSON.parse(timed.stdout)).toMatchObject({ updated: 1, skipped: 0, duplicates: 1 });
    const stored = await payloads(db);
    expect([stored.n.x, stored.s.x, stored.t.x, stored.new.x]).toEqual(['stored', 'stored', 'higher', 'highest']);
  });

  it('a line without a usable version is a bad line: exit 65 naming the line, or rejected and kept with --skip-invalid', async () => {
    const dir = tempDir();
    const db = await withRecords([{ id: 'a', rev: 1 }]);
    const input = '{"id":"a","rev":2}\n{"id":"b"}\n{"id":"c","rev":null}\n';
    const strict = await run(db, ['save', '--version-field', 'rev'], input);
    expect(strict.code).toBe(65);
    expect(strict.stderr).toBe('rcache: <stdin>:2: no version: the record has no "rev"\n');
    const rejects = join(dir, 'rejects.ndjson');
    const skipping = await run(db, ['save', '--version-field', 'rev', '--skip-invalid', '--rejects', rejects, '--json'], input);
    expect(JSON.parse(skipping.stdout)).toMatchObject({ updated: 1, rejected: 2 });
    expect(skipping.stderr).toContain('<stdin>:3: no version: "rev" is null, not a number, a time or a string (skipped)');
    expect(readFileSync(rejects, 'utf8')).toBe('{"id":"b"}\n{"id":"c","rev":null}\n');
  });

  it('versions that cannot be compared (a number against a string) make a bad line', async () => {
    const db = await withRecords([{ id: 'a', rev: 1 }]);
    const result = await run(db, ['save', '--version-field', 'rev'], '{"id":"a","rev":"2"}\n');
    expect(result.code).toBe(65);
    expect(result.stderr).toBe('rcache: <stdin>:1: the version "rev" is a string, and the stored record\'s is a number: they cannot be compared\n');
  });
});

describe('--full-refresh deletes at most half of a dataset unless --max-delete allows more', () => {
  const ten = Array.from({ length: 10 }, (_, i) => ({ id: `r${i}` }));

  it('refuses to delete more than half, writes nothing, exits 1 and says how to allow it', async () => {
    const db = await withRecords(ten);
    const runs = query(db, 'SELECT count(*) AS n FROM runs')[0];
    const result = await run(db, ['save', '--full-refresh'], ndjson([...ten.slice(0, 4), { id: 'new' }]));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'rcache: a full refresh would delete 6 of the 10 live records of M (60%), more than the limit of 50%: nothing was saved; if that is right, pass --max-delete 6 (or 100% to allow any share)\n',
    );
    expect(query(db, 'SELECT count(*) AS n FROM records WHERE deleted_at IS NOT NULL OR id = ?', 'new')).toEqual([{ n: 0 }]);
    expect(query(db, 'SELECT count(*) AS n FROM runs')[0]).toEqual(runs);
  });

  it('--max-delete sets the limit as a number or a share, and the summary says what share was deleted', async () => {
    const db = await withRecords(ten);
    expect((await run(db, ['save', '--full-refresh', '--max-delete', '5'], ndjson(ten.slice(0, 4)))).code).toBe(1);
    expect((await run(db, ['save', '--full-refresh', '--max-delete', '59.9%'], ndjson(ten.slice(0, 4)))).code).toBe(1);
    const allowed = await run(db, ['save', '--full-refresh', '--max-delete', '60%'], ndjson(ten.slice(0, 4)));
    expect(allowed.stderr).toMatch(/^save M: 0 added, 0 updated, 4 unchanged, 6 deleted \(60% of 10 live\) \(/);
    const none = await run(db, ['save', '--full-refresh'], ndjson(ten.slice(0, 4)));
    expect(none.stderr).toMatch(/^save M: 0 added, 0 updated, 4 unchanged, 0 deleted \(0% of 4 live\) \(/);
    const all = await run(db, ['save', '--full-refresh', '--max-delete', '100%', '--json'], ndjson([{ id: 'other' }]));
    expect(JSON.parse(all.stdout)).toMatchObject({ added: 1, deleted: 4 });
  });

  itOnce('--max-delete without --full-refresh, or with a value that is not a limit, is a usage error', async () => {
    const db = await withRecords(ten);
    const alone = await run(db, ['save', '--max-delete', '5'], ndjson(ten));
    expect([alone.code, alone.stderr]).toEqual([2, 'rcache: --max-delete only applies with --full-refresh: add --full-refresh\n']);
    for (const value of ['half', '-1', '101%', '5x']) {
      const bad = await run(db, ['save', '--full-refresh', '--max-delete', value], ndjson(ten));
      expect(bad.code, value).toBe(2);
      expect(bad.stderr, value).toMatch(/^rcache: --max-delete takes a whole number of records or a percentage up to 100%/);
    }
  });
});

describe('--ignore-field: a re-save where only the volatile field changed', () => {
  it('is unchanged, keeps what is stored, and still refuses a line that is not JSON', async () => {
    const dir = tempDir();
    const db = dbLocation(dir);
    const at = (time: string, extra = {}) => Array.from({ length: 50 }, (_, i) => ({ id: `r${i}`, n: i, fetched_at: time, meta: { seen: time }, ...extra }));
    const args = ['save', '--ignore-field', 'fetched_at', '--ignore-field', 'meta.seen', '--json'];
    expect(JSON.parse((await run(db, args, ndjson(at('2024-05-01')))).stdout)).toMatchObject({ added: 50 });
    expect(JSON.parse((await run(db, args, ndjson(at('2024-05-02')))).stdout)).toMatchObject({ unchanged: 50, updated: 0 });
    expect((await payloads(db)).r7).toMatchObject({ fetched_at: '2024-05-01', meta: { seen: '2024-05-01' }, action: 'ADDED' });
    const file = join(dir, 'broken.ndjson');
    writeFileSync(file, ndjson(at('2024-05-03')).replace('"fetched_at":"2024-05-03"', '"fetched_at":2024-05-03'));
    const broken = await rcache(['--db', db, ...args, '--model', 'M', file]);
    expect(broken.code).toBe(65);
    expect(broken.stderr).toMatch(/^rcache: .*broken\.ndjson:1: not valid JSON/);
    expect(JSON.parse((await run(db, args, ndjson(at('2024-05-04', { n: 'changed' })))).stdout)).toMatchObject({ updated: 50 });
  });
});

describeOnce('--help', () => {
  it('lists each new flag with an example of it', async () => {
    const flags: Record<string, string[]> = {
      save: ['--unless-modified-after', '--version-field', '--schema', '--max-delete'],
      update: ['--unless-modified-after', '--schema'],
      delete: ['--unless-modified-after'],
    };
    for (const [command, names] of Object.entries(flags)) {
      const help = (await rcache([command, '--help'])).stdout;
      const [options, examples] = help.split('Examples:');
      for (const name of names) {
        expect(options, `${command} ${name}`).toMatch(new RegExp(`^  ${name} <`, 'm'));
        expect(examples, `${command} ${name}`).toMatch(new RegExp(`^  rcache ${command} .*${name} |^  .*; rcache ${command} .*${name} `, 'm'));
      }
    }
  });
});
