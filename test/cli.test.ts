import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, rcache, start, tempDir } from './harness.js';
import { lines, ndjson, query, seed, withCache } from './helpers.js';
import { fixtureFor } from './store-fixtures.js';
import { ON_POSTGRES, dbLocation, holdsCache, itOnce, markNewer } from './store-under-test.js';

function dbIn(dir = tempDir()): string {
  return dbLocation(dir);
}

describe('rcache save', () => {
  it('saves the contacts fixture, summarises on stderr, and the database holds every record', async () => {
    const db = dbIn();
    const result = await rcache(['--db', db, 'save', '--model', 'Contact', join(FIXTURES, 'contacts.ndjson')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^save Contact: 300 added, 0 updated, 0 unchanged \(\d+\.\d+s\)\n$/);
    expect(query(db, 'SELECT count(*) AS n FROM records')[0]).toEqual({ n: 300 });
  });

  it('detects the changed export: new, updated and (with --ignore-field) unchanged records', async () => {
    const db = dbIn();
    const first = readFileSync(join(FIXTURES, 'contacts.ndjson'), 'utf8').split('\n').filter(Boolean);
    await withCache(db, (cache) => cache.save({ model: 'Contact' }, first, { ignoreFields: ['fetched_at'] }));
    const args = ['--db', db, 'save', '--model', 'Contact', '--ignore-field', 'fetched_at', '--json'];
    const result = await rcache([...args, join(FIXTURES, 'contacts-changed.ndjson')]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ added: 15, updated: 30, unchanged: 260, deleted: 0, unknown: 0, duplicates: 0, rejected: 0, skipped: 0 });
  });

  it('reads several files and - for standard input, in order', async () => {
    const dir = tempDir();
    const db = dbIn(dir);
    writeFileSync(join(dir, 'one.ndjson'), ndjson([{ id: 'a' }]));
    const result = await rcache(['--db', db, 'save', '--model', 'M', join(dir, 'one.ndjson'), '-'], { input: ndjson([{ id: 'b' }]) });
    expect(result.code).toBe(0);
    expect(query(db, 'SELECT id FROM records ORDER BY position')).toEqual([{ id: 'a' }, { id: 'b' }]);
  });

  it('a strict run with one bad line commits nothing and names the file and line', async () => {
    const dir = tempDir();
    const db = dbIn(dir);
    await seed(db, [{ id: 'keep' }]);
    const file = join(dir, 'input.ndjson');
    writeFileSync(file, '{"id":"a"}\n{"id":"b"}\n{"id":"c",}\n{"id":"d"}\n');
    const result = await rcache(['--db', db, 'save', '--model', 'M', file]);
    expect(result.code).toBe(65);
    expect(result.stderr).toMatch(new RegExp(`^rcache: ${file.replace(/[.\\]/g, '\\$&')}:3: not valid JSON`));
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(query(db, 'SELECT id FROM records')).toEqual([{ id: 'keep' }]);
    expect(query(db, "SELECT count(*) AS n FROM runs WHERE kind = 'save'")[0]).toEqual({ n: 1 });
  });

  itOnce('every kind of bad line is exit 65 with its reason', async () => {
    const cases: [string, RegExp][] = [
      ['[1,2]', /expected a JSON object, got an array/],
      ['null', /expected a JSON object, got null/],
      ['"x"', /expected a JSON object, got string/],
      ['{"name":"no id"}', /record has no "id"/],
      ['{"id":""}', /"id" is an empty string/],
      ['{"id":true}', /"id" must be a non-empty string or a finite number, not boolean/],
      ['{"id":{"a":1}}', /not object/],
      [`{"id":"${'x'.repeat(256)}"}`, /longer than 255 characters/],
    ];
    for (const [line, reason] of cases) {
      const result = await rcache(['--db', dbIn(), 'save', '--model', 'M'], { input: `{"id":"ok"}\n${line}\n` });
      expect(result.code, line).toBe(65);
      expect(result.stderr, line).toMatch(/^rcache: <stdin>:2: /);
      expect(result.stderr, line).toMatch(reason);
    }
  });

  it('--skip-invalid reports and skips bad lines, keeps them verbatim in --rejects, and saves the rest', async () => {
    const dir = tempDir();
    const db = dbIn(dir);
    const rejects = join(dir, 'rejects.ndjson');
    const input = '{"id":"a"}\nnot json\r\n\n{"id":"b"}\n[1]\n';
    const result = await rcache(['--db', db, 'save', '--model', 'M', '--skip-invalid', '--rejects', rejects, '--json'], { input });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ added: 2, rejected: 2 });
    expect(result.stderr).toContain('rcache: <stdin>:2: not valid JSON');
    expect(result.stderr).toContain('rcache: <stdin>:5: expected a JSON object, got an array (skipped)');
    expect(readFileSync(rejects, 'utf8')).toBe('not json\r\n[1]\n');
    expect(query(db, 'SELECT id FROM records ORDER BY id')).toEqual([{ id: 'a' }, { id: 'b' }]);
  });

  it('a large input with LF and CRLF lines: bad lines reported in order by line, good ones stored trimmed, whichever thread prepared them', async () => {
    const dir = tempDir();
    const db = dbIn(dir);
    const rejects = join(dir, 'rejects.ndjson');
    const count = 100_000;
    const bad = new Map([
      [2, ['{"id":', 'not valid JSON']],
      [50_000, ['{"no_id":1}', 'record has no "id"']],
      [count - 1, ['{"id":""}', '"id" is an empty string']],
    ]);
    // Lines end in LF or CRLF, some with blank space around them, some with non-ASCII text.
    const text = (line: number) => `{"id":"r${line}","n":${line}${line % 7 === 0 ? ',"s":"ü 😀 ж"' : ''}}`;
    const framed = (line: number, body: string) => (line % 5 === 0 ? `  ${body}\t` : body) + (line % 2 === 0 ? '\r\n' : '\n');
    let input = '';
    for (let line = 1; line <= count; line++) input += framed(line, bad.get(line)?.[0] ?? text(line));
    const result = await rcache(['--db', db, 'save', '--model', 'M', '--skip-invalid', '--rejects', rejects, '--json'], { input });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ added: count - 3, rejected: 3 });
    const reported = result.stderr.split('\n').filter((line) => line.startsWith('rcache: <stdin>:'));
    expect(reported).toEqual([...bad].map(([line, [, reason]]) => expect.stringContaining(`rcache: <stdin>:${line}: ${reason}`)));
    expect(readFileSync(rejects, 'utf8')).toBe([...bad].map(([line, [text]]) => framed(line, text!)).join(''));
    expect(query(db, 'SELECT count(*) AS n, max(position) - min(position) + 1 AS span FROM records')).toEqual([{ n: count - 3, span: count - 3 }]);
    const sample = [1, 35, 70, 49_999, 50_001, 70_000, count];
    // Each stored as its line without the blank space around it, and its raw hash that line's.
    const rows = query(
      db,
      `SELECT id, payload, raw_hash FROM records WHERE id IN (${sample.map(() => '?').join(',')}) ORDER BY position`,
      ...sample.map((line) => `r${line}`),
    );
    expect(rows).toEqual(
      sample.map((line) => ({ id: `r${line}`, payload: text(line), raw_hash: createHash('sha256').update(text(line)).digest('base64').slice(0, 22) })),
    );
  });

  it('the last line for an id wins, within a batch and across batches, even when it equals what was stored', async () => {
    const db = dbIn();
    await seed(db, [
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
    ]);
    const filler = Array.from({ length: 6000 }, (_, i) => ({ id: `f${i}`, pad: 'x'.repeat(20) }));
    // a: changed, then back to its stored state two batches later; b: the same within one batch.
    const input = ndjson([{ id: 'a', v: 2 }, ...filler, { id: 'b', v: 2 }, { id: 'b', v: 1 }, { id: 'a', v: 1 }]);
    const result = await rcache(['--db', db, 'save', '--model', 'M', '--json'], { input });
    expect(JSON.parse(result.stdout)).toMatchObject({ added: 6000, updated: 2, unchanged: 0, duplicates: 2 });
    expect(query(db, "SELECT id, payload FROM records WHERE id IN ('a', 'b') ORDER BY id")).toEqual([
      { id: 'a', payload: '{"id":"a","v":1}' },
      { id: 'b', payload: '{"id":"b","v":1}' },
    ]);
  });

  it('an id changed by one line and met again on the next is decided against that change, wherever a batch ends', async () => {
    // The next batch is looked up while this one is written: what it found for its first id can be
    // older than a change at the end of this one.
    const db = dbIn();
    // Batches end where the input's reads do (every 64 KiB): lines of about 230 bytes give some 110
    // batch ends in 16,000 pairs (twice as many as 100,000 short pairs gave, for a sixth of the
    // records), most of them prepared on the worker, as a large sync's are.
    const pairs = 16_000;
    const pad = 'x'.repeat(200);
    const line = (i: number, v: number) => `{"id":"r${i}","pad":"${pad}","v":${v}}`;
    await seed(
      db,
      Array.from({ length: 2 * pairs }, (_, i) => line(i, 0)),
    );
    // Each pair of lines changes one record, then either changes it back (even pairs) or repeats the change.
    const input = Array.from({ length: pairs }, (_, j) => `${line(2 * j + 1, 1)}\n${line(2 * j + 1, j % 2 === 0 ? 0 : 1)}\n`).join('');
    const [{ last: before }] = query(db, 'SELECT last_value AS last FROM positions') as [{ last: number }];
    const result = await rcache(['--db', db, 'save', '--model', 'M', '--json'], { input });
    expect(JSON.parse(result.stdout)).toMatchObject({ added: 0, updated: pairs, unchanged: 0, duplicates: pairs });
    expect(query(db, 'SELECT last_value - ? AS taken FROM positions', before)).toEqual([{ taken: pairs + pairs / 2 }]);
    // Changed back, a record has v 0 again: only the repeated changes are left at v 1.
    expect(query(db, `SELECT count(*) AS n FROM records WHERE payload LIKE '%"v":1}'`)).toEqual([{ n: pairs / 2 }]);
  }, 120_000);

  it('new records are stored with their hash deferred; a re-export in another key order is unchanged', async () => {
    const db = dbIn();
    const first = Array.from({ length: 3000 }, (_, i) => `{"id":${i},"name":"n${i}","tags":["a","b"],"o":{"x":${i},"y":1.50}}`);
    const reordered = Array.from({ length: 3000 }, (_, i) => `{"o":{"y":1.5,"x":${i}},"tags":["a","b"],"name":"${i === 7 ? 'seven' : `n${i}`}","id":"${i}"}`);
    await rcache(['--db', db, 'save', '--model', 'M'], { input: first.join('\n') + '\n' });
    expect(query(db, "SELECT count(*) AS n FROM records WHERE hash = ''")).toEqual([{ n: 3000 }]);
    const result = await rcache(['--db', db, 'save', '--model', 'M', '--json'], { input: reordered.join('\n') + '\n' });
    expect(JSON.parse(result.stdout)).toMatchObject({ added: 0, updated: 1, unchanged: 2999 });
    expect(query(db, "SELECT id FROM records WHERE hash <> ''")).toEqual([{ id: '7' }]);
    // With an ignored field, every hash is computed as the record arrives.
    const other = dbIn();
    const ignoring = await rcache(['--db', other, 'save', '--model', 'M', '--ignore-field', 'name', '--json'], { input: first.join('\n') + '\n' });
    expect(JSON.parse(ignoring.stdout)).toMatchObject({ added: 3000 });
    expect(query(other, "SELECT count(*) AS n FROM records WHERE hash = ''")).toEqual([{ n: 0 }]);
  });

  it('accepts CRLF line endings, a UTF-8 BOM, blank lines and a missing final newline', async () => {
    const db = dbIn();
    const input = '\uFEFF{"id":"a"}\r\n\r\n   \n{"id":"b"}';
    const result = await rcache(['--db', db, 'save', '--model', 'M', '--json'], { input });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ added: 2 });
  });

  itOnce('an input file that does not exist is a usage error and saves nothing', async () => {
    const db = dbIn();
    const result = await rcache(['--db', db, 'save', '--model', 'M', '/nonexistent/file.ndjson']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('rcache: cannot read /nonexistent/file.ndjson: no such file\n');
  });
});

describe('rcache delete', () => {
  it('deletes by argument and by NDJSON on stdin, and the records keep their payload', async () => {
    const db = dbIn();
    await seed(db, readFileSync(join(FIXTURES, 'contacts.ndjson'), 'utf8').split('\n').filter(Boolean), { model: 'Contact' });
    const byArgs = await rcache(['--db', db, 'delete', '--model', 'Contact', 'contact-1', 'nope', '--json']);
    expect(byArgs.code).toBe(0);
    expect(JSON.parse(byArgs.stdout)).toMatchObject({ deleted: 1, unknown: 1 });
    const byStdin = await rcache(['--db', db, 'delete', '--model', 'Contact'], { input: readFileSync(join(FIXTURES, 'contacts-deleted.ndjson')) });
    expect(byStdin.code).toBe(0);
    expect(byStdin.stderr).toMatch(/^delete Contact: 10 deleted, 0 unchanged, 0 unknown/);
    const deleted = query<{ id: string; payload: string }>(
      db,
      "SELECT id, payload FROM records WHERE action = 'DELETED' AND deleted_at IS NOT NULL ORDER BY position",
    );
    expect(deleted).toHaveLength(11);
    expect(deleted[0]!.id).toBe('contact-1');
    expect(JSON.parse(deleted[0]!.payload)).toMatchObject({ id: 'contact-1', first_name: expect.any(String) });
  });

  itOnce('an empty id argument is a usage error', async () => {
    const result = await rcache(['--db', dbIn(), 'delete', '--model', 'M', '']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/invalid id argument: "id" is an empty string/);
  });
});

describe('rcache records', () => {
  // Read, never written, by the cases that print it.
  let db: string;
  beforeAll(async () => {
    db = dbIn();
    await seed(
      db,
      [
        { id: 1, n: 1 },
        { id: 'b', n: 1 },
        { id: 'c', n: 1 },
      ],
      { at: '2024-01-15T10:00:00.000Z' },
    );
    await seed(db, [{ id: 'b', n: 2 }], { at: '2024-01-16T10:00:00.000Z' });
    await withCache(db, (cache) => cache.delete({ model: 'M' }, { ids: ['c'] }), '2024-01-17T10:00:00.000Z');
  });

  it('prints each record with its id as a string and _nango_metadata, in change order', async () => {
    const result = await rcache(['--db', db, 'records', '--model', 'M']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const records = lines(result.stdout);
    expect(records.map((r) => [r.id, r._nango_metadata.last_action])).toEqual([
      ['1', 'ADDED'],
      ['b', 'UPDATED'],
      ['c', 'DELETED'],
    ]);
    expect(records[1]).toEqual({
      id: 'b',
      n: 2,
      _nango_metadata: {
        first_seen_at: '2024-01-15T10:00:00.000Z',
        last_modified_at: '2024-01-16T10:00:00.000Z',
        last_action: 'UPDATED',
        deleted_at: null,
        pruned_at: null,
        cursor: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      },
    });
    expect(records[2]!._nango_metadata.deleted_at).toBe('2024-01-17T10:00:00.000Z');
  });

  it('--cursor resumes after a record, --limit stops, --filter takes any-case lists', async () => {
    const first = await withCache(db, async (cache) => {
      for await (const record of cache.changes({ model: 'M' }, { limit: 1 })) return record._nango_metadata.cursor;
      throw new Error('no change of M');
    });
    const after = await rcache(['--db', db, 'records', '--model', 'M', '--cursor', first]);
    expect(lines(after.stdout).map((r) => r.id)).toEqual(['b', 'c']);
    const limited = await rcache(['--db', db, 'records', '--model', 'M', '--limit', '2']);
    expect(lines(limited.stdout).map((r) => r.id)).toEqual(['1', 'b']);
    const filtered = await rcache(['--db', db, 'records', '--model', 'M', '--filter', 'Added,DELETED']);
    expect(lines(filtered.stdout).map((r) => r.id)).toEqual(['1', 'c']);
    const ids = await rcache(['--db', db, 'records', '--model', 'M', '--ids', 'c,1']);
    expect(lines(ids.stdout).map((r) => r.id)).toEqual(['1', 'c']);
    const since = await rcache(['--db', db, 'records', '--model', 'M', '--modified-after', '2024-01-16T10:00:00Z']);
    expect(lines(since.stdout).map((r) => r.id)).toEqual(['b', 'c']);
  });

  it('--format json is one document with next_cursor set while more records follow', async () => {
    const page = JSON.parse((await rcache(['--db', db, 'records', '--model', 'M', '--format', 'json', '--limit', '2'])).stdout);
    expect(page.records.map((r: any) => r.id)).toEqual(['1', 'b']);
    expect(page.next_cursor).toBe(page.records[1]._nango_metadata.cursor);
    const rest = JSON.parse((await rcache(['--db', db, 'records', '--model', 'M', '--format', 'json', '--cursor', page.next_cursor])).stdout);
    expect(rest).toEqual({ records: [expect.objectContaining({ id: 'c' })], next_cursor: null });
    const empty = JSON.parse((await rcache(['--db', db, 'records', '--model', 'Other', '--format', 'json'])).stdout);
    expect(empty).toEqual({ records: [], next_cursor: null });
  });

  itOnce('--format table shows a table with no colour codes when piped', async () => {
    const result = await rcache(['--db', db, 'records', '--model', 'M', '--format', 'table']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/│ id +│ action +│/);
    expect(result.stdout).toContain('UPDATED');
    expect(result.stdout).not.toMatch(/\u001b\[/);
  });

  it('output of records saved back is no change', async () => {
    const db = dbIn();
    await seed(db, readFileSync(join(FIXTURES, 'contacts.ndjson'), 'utf8').split('\n').filter(Boolean), { model: 'Contact' });
    const out = await rcache(['--db', db, 'records', '--model', 'Contact']);
    expect(lines(out.stdout)).toHaveLength(300);
    const before = fixtureFor(db).snapshot(db);
    const again = await rcache(['--db', db, 'save', '--model', 'Contact', '--json'], { input: out.stdout });
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, updated: 0, unchanged: 300 });
    const after = fixtureFor(db).snapshot(db);
    expect(after.records).toEqual(before.records);
    expect(after.positions).toEqual(before.positions);
  });

  it('records | head -1 ends cleanly with exit 0 and no error', async () => {
    const db = dbIn();
    const many = Array.from({ length: 20000 }, (_, i) => ({ id: i, text: 'x'.repeat(100) }));
    await seed(db, many);
    const reader = start(['--db', db, 'records', '--model', 'M']);
    reader.child.stdout!.once('data', () => reader.child.stdout!.destroy());
    const result = await reader.exit;
    expect(JSON.parse(reader.stdout().split('\n')[0]!).id).toBe('0');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('usage and runtime errors', () => {
  const usage: [string, string[], RegExp][] = [
    ['a missing --model', ['records'], /required option '-m, --model <name>' not specified/],
    ['an unknown option', ['records', '--model', 'M', '--bogus'], /unknown option '--bogus'/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['an invalid cursor', ['records', '--model', 'M', '--cursor', 'abc'], /invalid cursor 'abc'/],
    ['an invalid filter', ['records', '--model', 'M', '--filter', 'added,gone'], /invalid filter 'added,gone'/],
    ['an invalid limit', ['records', '--model', 'M', '--limit', '0'], /--limit takes a whole number of at least 1/],
    ['a non-numeric limit', ['records', '--model', 'M', '--limit', 'ten'], /--limit takes a whole number/],
    ['an invalid time', ['records', '--model', 'M', '--modified-after', 'yesterday'], /--modified-after: 'yesterday' is not an ISO 8601 timestamp/],
    ['an invalid format', ['records', '--model', 'M', '--format', 'xml'], /argument 'xml' is invalid/],
  ];
  let shared: string;
  beforeAll(async () => {
    shared = dbLocation(tempDir());
    await seed(shared, [{ id: 'a' }]);
  });
  for (const [name, args, message] of usage) {
    itOnce(`${name} is exit 2 with one clear line`, async () => {
      const result = await rcache(['--db', shared, ...args]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/^rcache: /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  }

  itOnce('--help on every command shows examples and the options every command takes, and exits 0', async () => {
    for (const command of ['save', 'delete', 'update', 'records', 'cursor', 'prune', 'reset', 'stats', 'serve']) {
      const result = await rcache([command, '--help']);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toContain('Examples:');
      // cursor's example takes its output into a variable: LAST=$(rcache cursor ...).
      if (command !== 'cursor') expect(result.stdout, command).toMatch(new RegExp(`^  (\\S+=\\S+ )?rcache ${command}\\b`, 'm'));
      if (['save', 'delete', 'update', 'records', 'reset'].includes(command)) expect(result.stdout, command).toContain(`rcache ${command} --model`);
      const global = result.stdout.slice(result.stdout.indexOf('Global Options:'));
      expect(global, command).toMatch(/^Global Options:\n/);
      for (const option of ['--db <file>', '--integration <key>', '--connection <id>']) expect(global, `${command} ${option}`).toContain(option);
    }
    const top = await rcache(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Commands:[\s\S]*save[\s\S]*records/);
  });

  itOnce('--version prints the package version', async () => {
    const result = await rcache(['--version']);
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  // Files that are not rcache's are a SQLite matter; a PostgreSQL database holding other tables is
  // refused as the store's own tests show.
  it.skipIf(ON_POSTGRES)('a file that is not a database is refused with exit 1 and left untouched', async () => {
    const dir = tempDir();
    const file = join(dir, 'notes.txt');
    const content = 'these are my notes, not a database\n'.repeat(200);
    writeFileSync(file, content);
    const result = await rcache(['--db', file, 'save', '--model', 'M'], { input: '{"id":"a"}\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`rcache: ${file} is not an rcache database (not a SQLite file); choose another file with --db\n`);
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it.skipIf(ON_POSTGRES)("another program's SQLite database is refused with exit 1 and left untouched", async () => {
    const dir = tempDir();
    const file = join(dir, 'other.db');
    const { default: Database } = await import('better-sqlite3');
    const other = new Database(file);
    other.exec('CREATE TABLE notes (body TEXT)');
    other.close();
    const before = readFileSync(file);
    const result = await rcache(['--db', file, 'save', '--model', 'M'], { input: '{"id":"a"}\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not an rcache database \(it is another program's SQLite database\)/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('a database from a newer rcache is refused with a message that says so', async () => {
    const db = dbIn();
    await seed(db, [{ id: 'a' }]);
    markNewer(db, 99);
    for (const args of [
      ['save', '--model', 'M'],
      ['records', '--model', 'M'],
    ]) {
      const result = await rcache(['--db', db, ...args], { input: '{"id":"b"}\n' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/was written by a newer rcache \(schema 99; this rcache knows up to \d+\): upgrade rcache/);
    }
  });

  it('reading a database that does not exist is exit 1 and creates nothing', async () => {
    const db = dbIn();
    const result = await rcache(['--db', db, 'records', '--model', 'M']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no rcache database at/);
    expect(holdsCache(db)).toBe(false);
  });

  it('RCACHE_DB, RCACHE_INTEGRATION and RCACHE_CONNECTION choose the database and dataset', async () => {
    const dir = tempDir();
    const env = { RCACHE_DB: dbLocation(dir, 'env.db'), RCACHE_INTEGRATION: 'hubspot', RCACHE_CONNECTION: 'acme' };
    await rcache(['save', '--model', 'M'], { input: '{"id":"a"}\n', env });
    expect(query(env.RCACHE_DB, 'SELECT integration, connection, model FROM datasets')).toEqual([{ integration: 'hubspot', connection: 'acme', model: 'M' }]);
    const other = await rcache(['--connection', 'other', 'records', '--model', 'M'], { env });
    expect(other.stdout).toBe('');
    const same = await rcache(['records', '--model', 'M'], { env });
    expect(lines(same.stdout)).toHaveLength(1);
  });

  it.skipIf(ON_POSTGRES)('the default database is ./rcache.db, created with 16 KiB pages', async () => {
    const dir = tempDir();
    await rcache(['save', '--model', 'M'], { input: '{"id":"a"}\n', cwd: dir, env: { RCACHE_DB: undefined } });
    expect(existsSync(join(dir, 'rcache.db'))).toBe(true);
    expect(query(join(dir, 'rcache.db'), 'PRAGMA page_size')).toEqual([{ page_size: 16384 }]);
  });
});
