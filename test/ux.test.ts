import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { BIN, rcache, spawnProcess, start, tempDir, until } from './harness.js';
import { lines, ndjson, query, seed, withCache } from './helpers.js';
import { dbLocation, describeOnce, itOnce, opened } from './store-under-test.js';

const dbIn = () => dbLocation(tempDir());

/** Runs a shell pipeline with the built binary as `$RCACHE`. */
function shell(script: string, env: Record<string, string> = {}) {
  return spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', RCACHE: `${process.execPath} ${BIN}`, ...env } });
}

/** Runs rcache with a terminal (a pseudo-terminal from `script`) as its standard input and output. */
function onTerminal(args: string[], env: Record<string, string> = {}) {
  const command = [process.execPath, BIN, ...args].map((arg) => `'${arg}'`).join(' ');
  return spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1', ...env } });
}

/** The ids of the records of `model` (default integration and connection) in stream order, read from the database. */
const idsOf = (db: string, model: string) =>
  query<{ id: string }>(
    db,
    `SELECT r.id FROM records r JOIN datasets d ON d.id = r.dataset_id
     WHERE d.model = ? AND d.integration = 'default' AND d.connection = 'default' ORDER BY r.position`,
    model,
  ).map((row) => row.id);

const tableLines = (stdout: string) => stdout.split('\n').filter((line) => line !== '');

// How rows are drawn, and printed as they are read: the reading itself is the reader tests', on both stores.
describeOnce('records as a table', () => {
  it('prints 25,000 rows, one line each, with the same width throughout', { timeout: 60_000 }, async () => {
    const db = dbIn();
    const records = Array.from({ length: 25_000 }, (_, i) => ({ id: `r-${i}`, name: `name ${i}`, tags: ['a', 'b'] }));
    await seed(db, records, { model: 'R' });
    const result = await rcache(['--db', db, 'records', '-m', 'R', '--format', 'table']);
    expect(result.code).toBe(0);
    const rows = tableLines(result.stdout);
    // Ids grow longer after the first rows: the column widens (a rule marks where) rather than cut them.
    const data = rows.filter((row) => row.startsWith('│ r-'));
    expect(data.map((row) => row.split(' ')[1])).toEqual(records.map((record) => record.id));
    expect(rows[1]).toMatch(/^│ id +│ action +│ last modified +│ cursor +│ payload +│$/);
    expect(rows.length - data.length).toBeLessThan(10);
    expect(new Set(rows.slice(-100).map((row) => stringWidth(row))).size).toBe(1);

    // Printed as it is read, so SIGTERM stops it part way, with a clean line and exit 130.
    const reading = start(['--db', db, 'records', '-m', 'R', '--format', 'table']);
    reading.child.stdout!.once('data', () => reading.child.kill('SIGTERM'));
    const { code, stderr } = await reading.exit;
    const stdout = reading.stdout();
    expect(code).toBe(130);
    expect(stderr).toMatch(/^rcache: interrupted by SIGTERM/);
    expect(tableLines(stdout).filter((row) => row.startsWith('│ r-')).length).toBeLessThan(25_000);
  });

  it('cuts cells by character and display width, never inside an emoji or a wide character', async () => {
    const db = dbIn();
    const records = [{ id: '🔥'.repeat(80) }, { id: '東京都'.repeat(20) }];
    await seed(db, records, { model: 'R' });
    const result = await rcache(['--db', db, 'records', '-m', 'R', '--format', 'table'], { env: { COLUMNS: '100' } });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(result.stdout).toMatch(/│ (🔥)+… +│/);
    expect(result.stdout).toMatch(/│ (東京都)+[東京]*… +│/);
    for (const row of tableLines(result.stdout)) expect(stringWidth(row)).toBeLessThanOrEqual(100);
    expect(new Set(tableLines(result.stdout).map((row) => stringWidth(row))).size).toBe(1);
  });

  it('fits a table of long ids into an 80-column terminal, and gives a pipe the whole width', async () => {
    const db = dbIn();
    await seed(db, [{ id: `customer-${'x'.repeat(70)}`, n: 1 }], { model: 'R' });
    const fitted = await rcache(['--db', db, 'records', '-m', 'R', '--format', 'table'], { env: { COLUMNS: '80' } });
    for (const row of tableLines(fitted.stdout)) expect(stringWidth(row)).toBeLessThanOrEqual(80);
    expect(fitted.stdout).toContain('customer-xxx');
    const piped = await rcache(['--db', db, 'records', '-m', 'R', '--format', 'table']);
    expect(piped.stdout).toContain(`customer-${'x'.repeat(70)}`);
    expect(stringWidth(tableLines(piped.stdout)[0]!)).toBeGreaterThan(80);
  });
});

describe('stats tables', () => {
  it('fit 80 columns on a terminal, with plurals right', async () => {
    const db = dbIn();
    await seed(db, [{ id: 1 }], { integration: 'a-long-integration-name', connection: 'a-long-connection-id', model: 'AVeryLongModelNameIndeed' });
    const stats = await rcache(['--db', db, 'stats'], { env: { COLUMNS: '80' } });
    expect(stats.stdout).toMatch(/: 1 dataset\n/);
    for (const row of tableLines(stats.stdout).slice(1)) expect(stringWidth(row)).toBeLessThanOrEqual(80);
    expect(stats.stdout).toContain('AVeryLongModelNameIndeed');
    const runs = await rcache(['--db', db, 'stats', '--runs'], { env: { COLUMNS: '80' } });
    expect(runs.stdout).toMatch(/: 1 run, newest first\n/);
    for (const row of tableLines(runs.stdout).slice(1)) expect(stringWidth(row)).toBeLessThanOrEqual(80);
    const piped = await rcache(['--db', db, 'stats', '--runs']);
    expect(piped.stdout).toMatch(
      /│ kind +│ integration +│ connection +│ model +│ started +│ seconds │ added │ updated │ unchanged │ deleted │ unknown │ dupl\. │ rejected │ pruned │/,
    );
  });

  it('stats --runs takes --limit (-n) and --since, newest first', async () => {
    const db = dbIn();
    for (const [day, model] of [
      ['01', 'A'],
      ['02', 'B'],
      ['03', 'C'],
    ]) {
      await seed(db, [{ id: 1 }], { model, at: `2024-01-${day}T00:00:00Z` });
    }
    const table = await rcache(['--db', db, 'stats', '--runs', '-n', '2']);
    expect(table.code).toBe(0);
    const models = tableLines(table.stdout)
      .slice(4, -1)
      .map((row) => row.split('│')[4]!.trim());
    expect(models).toEqual(['C', 'B']);
    const json = JSON.parse((await rcache(['--db', db, 'stats', '--runs', '--limit', '2', '--json'])).stdout);
    expect(json.runs.map((run: { model: string }) => run.model)).toEqual(['B', 'C']);
    const since = JSON.parse((await rcache(['--db', db, 'stats', '--runs', '--since', '2024-01-02T00:00:00Z', '--json'])).stdout);
    expect(since.runs.map((run: { model: string }) => run.model)).toEqual(['B', 'C']);
    const ago = JSON.parse((await rcache(['--db', db, 'stats', '--runs', '--since', '36h', '--json'], { env: { RCACHE_NOW: '2024-01-04T00:00:00Z' } })).stdout);
    expect(ago.runs.map((run: { model: string }) => run.model)).toEqual(['C']);
    const alone = await rcache(['--db', db, 'stats', '--limit', '2']);
    expect(alone).toMatchObject({ code: 2, stdout: '', stderr: 'rcache: --limit and --since select runs: add --runs\n' });
  });
});

describeOnce('closed pipes', () => {
  it('never print a trace: help, a summary, or a table', () => {
    const db = dbIn();
    for (let i = 0; i < 3; i++) {
      const result = shell(
        `$RCACHE save --help | head -c 1 >/dev/null; $RCACHE help save | true; $RCACHE --help | true; ` +
          `echo '{"id":${i}}' | $RCACHE --db '${db}' save -m A --json | true; echo '{"id":${i}}' | $RCACHE --db '${db}' save -m A 2>&1 | true`,
      );
      expect(result.stderr).toBe('');
    }
  });
});

describeOnce('output that cannot be written', () => {
  it.skipIf(!existsSync('/dev/full'))('a full disk is one line and exit 1, for records, help, stats, a summary and the version', async () => {
    const db = dbIn();
    await seed(db, [{ id: 'a' }, { id: 'b' }]);
    const commands = [
      'records -m M',
      'records -m M --format table',
      'records -m M --format json',
      '--help',
      'help save',
      'save --help',
      'stats',
      'stats --runs',
      '--version',
    ];
    for (const command of commands) {
      const result = shell(`$RCACHE --db '${db}' ${command} > /dev/full`.replace(`--db '${db}' --version`, '--version'));
      expect({ command, status: result.status, stderr: result.stderr }).toEqual({
        command,
        status: 1,
        stderr: 'rcache: cannot write the output: the disk is full\n',
      });
    }
    const summary = shell(`echo '{"id":"c"}' | $RCACHE --db '${db}' save -m M --json > /dev/full`);
    expect(summary.stderr).toBe('rcache: cannot write the output: the disk is full\n');
    expect(summary.status).toBe(1);
    const both = shell(`$RCACHE --db '${db}' records -m M > /dev/full 2>&1`);
    expect(both.status).toBe(1);
    const usage = shell(`$RCACHE --db '${db}' records --nosuch 2> /dev/full`);
    expect(usage.status).toBe(2);
  });
});

describeOnce('help', () => {
  it('has examples and exit codes at the top, marks --model as required, and refuses an unknown command', async () => {
    const top = await rcache(['--help']);
    expect(top.stdout).toContain('Examples:\n  cat contacts.ndjson | rcache save --model Contact');
    expect(top.stdout).toMatch(/Exit codes:\n {2}0 +success[\s\S]*\n {2}2 +usage error[\s\S]*\n {2}65 +bad input[\s\S]*\n {2}130 +interrupted/);
    const save = await rcache(['help', 'save']);
    expect(save.code).toBe(0);
    expect(save.stdout).toMatch(/-m, --model <name> +the model \(record type\) of the dataset\s+\(required\)/);
    const help = await rcache(['help', 'help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: rcache help \[options\] \[command\]\n\nshow the help of a command\n/);
    const unknown = await rcache(['help', 'nosuch']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toMatch(/^rcache: unknown command 'nosuch'/);
  });
});

describeOnce('options that mean nothing alone', () => {
  it('--interval without --follow, and --rejects without --skip-invalid, are usage errors', async () => {
    const db = dbIn();
    await seed(db, [{ id: 1 }], { model: 'A' });
    const interval = await rcache(['--db', db, 'records', '-m', 'A', '--interval', '5']);
    expect(interval).toMatchObject({ code: 2, stdout: '', stderr: 'rcache: --interval only applies with --follow: add --follow (-f)\n' });
    const rejects = await rcache(['--db', db, 'save', '-m', 'A', '--rejects', join(tempDir(), 'bad.ndjson')], { input: ndjson([{ id: 2 }]) });
    expect(rejects).toMatchObject({ code: 2, stderr: 'rcache: --rejects only applies with --skip-invalid: add --skip-invalid\n' });
    expect(idsOf(db, 'A')).toEqual(['1']);
  });

  it('-n is --limit and -f is --follow', async () => {
    const db = dbIn();
    await seed(db, [{ id: 1 }, { id: 2 }, { id: 3 }], { model: 'A' });
    expect(lines((await rcache(['--db', db, 'records', '-m', 'A', '-n', '2'])).stdout).map((r) => r.id)).toEqual(['1', '2']);
    const followed = await rcache(['--db', db, 'records', '-m', 'A', '-f', '-n', '3', '--interval', '0.1']);
    expect(followed.code).toBe(0);
    expect(lines(followed.stdout).map((r) => r.id)).toEqual(['1', '2', '3']);
  });
});

describe('records typed at a terminal', () => {
  itOnce('says on stderr that it reads the terminal and how to end; a pipe gets no such line', async () => {
    const db = dbIn();
    const typed = onTerminal(['--db', db, 'save', '-m', 'A']);
    expect(typed.stdout).toContain('rcache: reading NDJSON records from the terminal, one per line; end with Ctrl-D');
    const piped = await rcache(['--db', db, 'save', '-m', 'A'], { input: ndjson([{ id: 1 }]) });
    expect(piped.stderr).not.toContain('terminal');
    const deleteArgs = onTerminal(['--db', db, 'delete', '-m', 'A', '1']);
    expect(deleteArgs.stdout).not.toContain('terminal');
  });

  it('Ctrl-C before the first line ends the run with exit 130 and records nothing', { timeout: 30_000 }, async () => {
    const db = dbIn();
    const command = [process.execPath, BIN, '--db', db, 'save', '-m', 'E'].map((arg) => `'${arg}'`).join(' ');
    // The terminal stays open (script's input is a pipe left open): only the typed Ctrl-C ends the run.
    const typing = spawnProcess('script', ['-qec', command, '/dev/null'], { group: true });
    // It listens for Ctrl-C from before it opens the database.
    await until(() => (typing.stdout().includes('from the terminal') && opened(db)) || !typing.running(), 'rcache to open the database');
    typing.child.stdin!.write('\x03');
    const { code } = await typing.exit;
    const screen = typing.stdout();
    expect(code).toBe(130);
    expect(screen).toContain('rcache: interrupted by SIGINT: nothing from this run was saved');
    expect(screen).not.toMatch(/save E:/);
    expect(await withCache(db, (cache) => cache.runs())).toEqual([]);
  });
});

// SQLite files, whatever the project.
describeOnce('--rejects never destroys data', () => {
  it("refuses the database, its companion files and the run's inputs, by path, link or inode", async () => {
    const dir = tempDir();
    const db = join(dir, 'cache.db');
    const input = join(dir, 'in.ndjson');
    writeFileSync(input, ndjson(Array.from({ length: 50 }, (_, i) => ({ id: i }))) + 'not json\n');
    await seed(
      db,
      Array.from({ length: 50 }, (_, i) => ({ id: i })),
      { model: 'A' },
    );
    const dbBytes = readFileSync(db);
    const inputBytes = readFileSync(input);
    symlinkSync(db, join(dir, 'db-link'));
    linkSync(input, join(dir, 'in-hardlink'));
    const attempts: [string[], RegExp][] = [
      [['save', '-m', 'A', '--skip-invalid', '--rejects', db, input], /^rcache: --rejects .*cache\.db is the database: name another file\n$/],
      [['save', '-m', 'A', '--skip-invalid', '--rejects', join(dir, 'db-link'), input], /is the database/],
      [['save', '-m', 'A', '--skip-invalid', '--rejects', `${db}-wal`, input], /is the database \(its wal file\)/],
      [['save', '-m', 'A', '--skip-invalid', '--rejects', input, input], /is an input of this run/],
      [['save', '-m', 'A', '--skip-invalid', '--rejects', join(dir, '.', 'in-hardlink'), input], /is an input of this run/],
      [['update', '-m', 'A', '--skip-invalid', '--rejects', join(dir, 'sub', '..', 'in.ndjson'), input], /is an input of this run/],
    ];
    for (const [args, message] of attempts) {
      const result = await rcache(['--db', db, ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const fromStdin = spawnSync('sh', ['-c', `${process.execPath} ${BIN} --db '${db}' delete -m A --skip-invalid --rejects '${input}' < '${input}'`], {
      encoding: 'utf8',
    });
    expect(fromStdin.status).toBe(2);
    expect(fromStdin.stderr).toMatch(/is an input of this run \(standard input\)/);
    expect(readFileSync(db).equals(dbBytes)).toBe(true);
    expect(readFileSync(input).equals(inputBytes)).toBe(true);
    expect(idsOf(db, 'A')).toHaveLength(50);
  });

  it('refuses the companion files of a database reached through a symbolic link, where SQLite really keeps them', async () => {
    const dir = tempDir();
    const real = join(dir, 'real', 'x.db');
    const link = join(dir, 'link', 'l.db');
    mkdirSync(join(dir, 'real'));
    mkdirSync(join(dir, 'link'));
    await seed(real, [{ id: 'base1' }, { id: 'base2' }]);
    symlinkSync(real, link);
    const input = join(dir, 'b3.nd');
    writeFileSync(input, 'bad\n{"id":"zz"}\n');
    for (const suffix of ['-wal', '-shm', '-journal']) {
      const result = await rcache(['--db', link, 'save', '-m', 'Third', '--skip-invalid', '--rejects', `${real}${suffix}`, input]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`rcache: --rejects ${real}${suffix} is the database (its ${suffix.slice(1)} file): name another file\n`);
    }
    expect(idsOf(real, 'M')).toEqual(['base1', 'base2']);
    expect(idsOf(real, 'Third')).toEqual([]);
  });

  it('is created only when a line is rejected', async () => {
    const dir = tempDir();
    const rejects = join(dir, 'bad.ndjson');
    writeFileSync(rejects, 'kept from before\n');
    const clean = await rcache(['--db', join(dir, 'c.db'), 'save', '-m', 'A', '--skip-invalid', '--rejects', rejects], { input: ndjson([{ id: 1 }]) });
    expect(clean.code).toBe(0);
    expect(readFileSync(rejects, 'utf8')).toBe('kept from before\n');
    const fresh = join(dir, 'fresh.ndjson');
    await rcache(['--db', join(dir, 'c.db'), 'save', '-m', 'A', '--skip-invalid', '--rejects', fresh], { input: ndjson([{ id: 2 }]) });
    expect(existsSync(fresh)).toBe(false);
    await rcache(['--db', join(dir, 'c.db'), 'save', '-m', 'A', '--skip-invalid', '--rejects', fresh], { input: '{"id":3}\nnope\n' });
    expect(readFileSync(fresh, 'utf8')).toBe('nope\n');
  });
});

describeOnce('only JSON white space around a line', () => {
  it('refuses lines with other blanks (U+00A0, U+2028, U+3000), in save, update and delete; keeps space, tab and CR', async () => {
    const db = dbIn();
    // A byte-order mark is allowed at the start of an input only, not on a later line.
    for (const line of ['{"id":1}\u00a0', '{"id":1}\u2028', '\u3000{"id":1}', '{"id":0}\n\ufeff{"id":1}']) {
      for (const command of ['save', 'update', 'delete']) {
        const result = await rcache(['--db', db, command, '-m', 'A'], { input: `${line}\n` });
        expect(result.code).toBe(65);
        expect(result.stderr).toMatch(/^rcache: <stdin>:[12]: /);
      }
    }
    const fine = await rcache(['--db', db, 'save', '-m', 'A', '--json'], { input: '\ufeff{"id":0}\n \t{"id":1}\t \r\n' });
    expect(JSON.parse(fine.stdout)).toMatchObject({ added: 2 });
  });
});

// SQLite files, whatever the project.
describeOnce('the progress line', () => {
  it('shows a percentage and the time left when saving a file on a terminal', { timeout: 60_000 }, () => {
    const dir = tempDir();
    const file = join(dir, 'big.ndjson');
    writeFileSync(file, ndjson(Array.from({ length: 150_000 }, (_, i) => ({ id: `r-${i}`, name: `name ${i}`, n: i }))));
    const result = onTerminal(['--db', join(dir, 'c.db'), 'save', '-m', 'A', file]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/saving: \d+% · [\d,]+ records, [\d,]+\/s · about \d+(s|m\d\ds) left/);
    expect(result.stdout).toMatch(/save A: 150,000 added/);
  });

  it('counts one record in the singular', { timeout: 30_000 }, () => {
    const dir = tempDir();
    const db = join(dir, 'c.db');
    // The line comes well after the run has started (its database exists), so the line is drawn.
    const slowly = `i=0; while [ ! -e '${db}' ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; sleep 0.6; echo '{"id":1}'; sleep 0.6`;
    const pipeline = `(${slowly}) | '${process.execPath}' '${BIN}' --db '${db}' save -m A`;
    const result = spawnSync('script', ['-qec', pipeline, '/dev/null'], { encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1' } });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/saving: 1 record, \d+\/s/);
    expect(result.stdout).not.toMatch(/1 records/);
  });
});

// The demo keeps its own ./rcache.db: there is nothing of it to run on PostgreSQL.
describeOnce('the demo', () => {
  it('tells the same story on every run, deletions included', { timeout: 60_000 }, () => {
    const cwd = tempDir();
    const run = () =>
      spawnSync(process.execPath, [join(import.meta.dirname, '..', 'fixtures', 'demo.mjs')], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    // Each run starts a new database: its cursors carry the new database's id, as its times are new.
    const stable = (text: string) =>
      text
        .replace(/\(\d+\.\d+s\)/g, '(…s)')
        .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME')
        .replace(/[A-Za-z0-9_-]{12}(cmM6[A-Za-z0-9_-]+)/g, 'DATABASE$1');
    const [first, second] = [run(), run()];
    expect(first.status).toBe(0);
    expect(stable(second.stdout)).toBe(stable(first.stdout));
    expect(stable(second.stderr)).toBe(stable(first.stderr));
    expect(first.stderr).toContain('save Contact: 300 added, 0 updated, 0 unchanged');
    expect(first.stderr).toContain('save Contact: 15 added, 30 updated, 260 unchanged');
    expect(first.stderr).toContain('delete Contact: 10 deleted, 0 unchanged, 0 unknown');
    const rows = first.stdout.split('\n').filter((line) => /^│ \S+ +│ (ADDED|UPDATED|DELETED) /.test(line));
    expect(rows.map((row) => row.split('│')[2]!.trim()).sort()).toEqual([
      ...Array(15).fill('ADDED'),
      ...Array(10).fill('DELETED'),
      ...Array(30).fill('UPDATED'),
    ]);
  });
});

describe('messages', () => {
  it('count in the singular when there is one, and say what --until-cursor lacks', async () => {
    const db = dbIn();
    await seed(db, [{ id: 1 }], { model: 'A', at: '2024-01-01T00:00:00Z' });
    const pruned = await rcache(['--db', db, 'prune', '--dry-run', '--payload-ttl', '1d', '--dataset-ttl', '30d'], {
      env: { RCACHE_NOW: '2024-06-01T00:00:00Z' },
    });
    expect(pruned.stderr).toBe('prune (dry run, nothing changed): 0 payloads would be pruned, 1 dataset would be expired (1 record would be deleted)\n');
    const once = await rcache(['--db', db, 'save', '-m', 'D'], { input: ndjson([{ id: 1 }, { id: 1 }]) });
    expect(once.stderr).toMatch(/^save D: 1 added, 0 updated, 0 unchanged, 1 duplicate \(/);
    const twice = await rcache(['--db', db, 'save', '-m', 'D'], { input: ndjson([{ id: 1 }, { id: 1 }, { id: 1 }]) });
    expect(twice.stderr).toMatch(/^save D: 0 added, 0 updated, 1 unchanged, 2 duplicates \(/);
    const noModel = await rcache(['--db', db, 'prune', '--until-cursor', 'cmM6MQ']);
    expect(noModel).toMatchObject({ code: 2, stderr: 'rcache: --until-cursor needs --model: a cursor is a position in one dataset (add --model NAME)\n' });
  });
});
