import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pauseOutputAfter, rcache, start, tempDir, until } from './harness.js';
import { lines, ndjson, seed } from './helpers.js';
import { ON_POSTGRES, dbLocation, following, itOnce } from './store-under-test.js';

function records(count: number, size: number, prefix = 'r'): { id: string; text: string }[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, text: 'x'.repeat(size) }));
}

async function seeded(input: unknown[], model = 'M') {
  const dir = tempDir();
  const db = dbLocation(dir);
  await seed(db, input, { model });
  return { dir, db };
}

const cursorOf = (line: Record<string, any>) => line._nango_metadata.cursor as string;

describe('a follower and a slow consumer', () => {
  it('prints a change committed while it was blocked writing the backlog, without waiting for another commit', async () => {
    const { db } = await seeded(records(900, 2000));
    const follower = start(['--db', db, 'records', '--model', 'M', '--follow', '--interval', '0.05']);
    // The consumer stops reading a little way into the 1.8 MB backlog: far more is left than the
    // pipe and both buffers hold, so the follower is stuck writing the backlog when the save commits.
    await pauseOutputAfter(follower, 100_000);
    const saved = await rcache(['--db', db, 'save', '--model', 'M'], { input: ndjson([{ id: 'late' }]) });
    expect(saved.code).toBe(0);
    expect(lines(follower.stdout().slice(0, follower.stdout().lastIndexOf('\n'))).length).toBeLessThan(900);
    follower.child.stdout!.resume();
    await until(() => follower.stdout().split('\n').length - 1 === 901, 'the late change', 30_000);
    expect(lines(follower.stdout()).at(-1)!.id).toBe('late');
  }, 45_000);

  it('ends promptly on SIGTERM while its consumer does not read, with the cursor file at what was delivered', async () => {
    const { dir, db } = await seeded(records(4000, 1000));
    const file = join(dir, 'state');
    const follower = start(['--db', db, 'records', '--model', 'M', '--follow', '--cursor-file', file]);
    // Take more than the cursor file's step of output, then stop reading.
    await pauseOutputAfter(follower, 1_300_000);
    await until(() => existsSync(file), 'the cursor file');
    const stopped = Date.now();
    follower.child.kill('SIGTERM');
    follower.child.stdout!.resume();
    expect((await follower.exit).code).toBe(0);
    // A follower held up by its consumer would wait for ever: this allows for a busy machine.
    expect(Date.now() - stopped).toBeLessThan(10_000);
    const delivered = follower.stdout().split('\n');
    const whole = lines(delivered.slice(0, -1).join('\n'));
    const saved = readFileSync(file, 'utf8').trim();
    // The file names a record whose whole line reached the consumer.
    expect(whole.map(cursorOf)).toContain(saved);
    expect(whole.length).toBeLessThan(4000);
  }, 45_000);
});

describe('the cursor file under a slow consumer', () => {
  it('stays within 1 MiB of the output, so a reader killed mid-backlog repeats little and misses nothing', async () => {
    const { dir, db } = await seeded(records(5000, 400));
    const file = join(dir, 'state');
    const first = start(['--db', db, 'records', '--model', 'M', '--cursor-file', file]);
    await pauseOutputAfter(first, 1_300_000);
    await until(() => existsSync(file), 'the cursor file');
    first.child.kill('SIGKILL');
    await first.exit;
    const received = lines(first.stdout().slice(0, first.stdout().lastIndexOf('\n')));
    const saved = readFileSync(file, 'utf8').trim();
    const at = received.findIndex((line) => cursorOf(line) === saved);
    expect(at).toBeGreaterThanOrEqual(0);
    const repeated = received.slice(at + 1);
    // At most 1 MiB of lines, never the whole backlog.
    expect(repeated.map((line) => JSON.stringify(line) + '\n').join('').length).toBeLessThanOrEqual(1024 * 1024);
    const second = await rcache(['--db', db, 'records', '--model', 'M', '--cursor-file', file]);
    const rest = lines(second.stdout);
    expect(rest.slice(0, repeated.length).map((line) => line.id)).toEqual(repeated.map((line) => line.id));
    expect(new Set([...received, ...rest].map((line) => line.id)).size).toBe(5000);
    expect(readFileSync(file, 'utf8').trim()).toBe(cursorOf(rest.at(-1)!));
  }, 45_000);
});

describe('a follower and its database file', () => {
  // A file replaced or deleted is a SQLite matter; a PostgreSQL database dropped under a follower
  // is the store's own test.
  it.skipIf(ON_POSTGRES)(
    'says so and exits 1 when the file is replaced by another',
    async () => {
      const { dir, db } = await seeded([{ id: 'a' }]);
      const follower = start(['--db', db, 'records', '--model', 'M', '--follow', '--interval', '0.05']);
      await until(() => follower.stdout().includes('"a"'), 'the backlog');
      const other = join(dir, 'other.db');
      await rcache(['--db', other, 'save', '--model', 'M'], { input: ndjson([{ id: 'b' }]) });
      renameSync(other, db);
      expect((await follower.exit).code).toBe(1);
      expect(follower.err()).toMatch(/^rcache: .*cache\.db was deleted or replaced by another file while following it: stopped/);
    },
    30_000,
  );

  it.skipIf(ON_POSTGRES)(
    'says so and exits 1 when the file is deleted',
    async () => {
      const { db } = await seeded([{ id: 'a' }]);
      const follower = start(['--db', db, 'records', '--model', 'M', '--follow', '--interval', '0.05']);
      await until(() => follower.stdout().includes('"a"'), 'the backlog');
      rmSync(db);
      expect((await follower.exit).code).toBe(1);
      expect(follower.err()).toMatch(/was deleted or replaced/);
    },
    30_000,
  );

  it('waits for a database that does not exist yet (on a server: one rcache never wrote to), says so once, and follows it once created', async () => {
    const db = dbLocation(tempDir(), 'later.db');
    const follower = start(['--db', db, 'records', '--model', 'M', '--follow', '--interval', '0.05']);
    await until(() => follower.err().includes('waiting'), 'the follower to say it waits');
    expect(follower.running()).toBe(true);
    await rcache(['--db', db, 'save', '--model', 'M'], { input: ndjson([{ id: 'first' }]) });
    await until(() => follower.stdout().includes('"first"'), 'the first record');
    await rcache(['--db', db, 'save', '--model', 'M'], { input: ndjson([{ id: 'second' }]) });
    await until(() => lines(follower.stdout()).length === 2, 'the second record');
    follower.child.kill('SIGTERM');
    expect((await follower.exit).code).toBe(0);
    expect(lines(follower.stdout()).map((line) => line.id)).toEqual(['first', 'second']);
    // A server's database exists already: what it lacks is rcache's data.
    const waiting = ON_POSTGRES ? `the first save to ${db}: rcache has saved nothing there yet` : `${db} to be created`;
    expect(follower.err()).toBe(`rcache: waiting for ${waiting} (stop with Ctrl-C)\n`);
  }, 30_000);

  it.skipIf(ON_POSTGRES)(
    'refuses at once, as a one-off read does, whatever exists at the path but is no database: a FIFO, a device, a /proc file, another file',
    async () => {
      const dir = tempDir();
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const text = join(dir, 'notes.txt');
      writeFileSync(text, 'not a database\n');
      for (const path of [fifo, '/dev/null', '/dev/zero', '/proc/self/status', text]) {
        const once = await rcache(['--db', path, 'records', '--model', 'M']);
        const follower = await rcache(['--db', path, 'records', '--model', 'M', '--follow', '--interval', '0.05']);
        expect({ path, code: follower.code, stderr: follower.stderr }).toEqual({ path, code: 1, stderr: once.stderr });
        expect(follower.stderr).toMatch(/^rcache: .*(not a regular file|not an rcache database)/);
      }
    },
    30_000,
  );

  it('a one-off read of a missing database still fails at once', async () => {
    const result = await rcache(['--db', dbLocation(tempDir(), 'none.db'), 'records', '--model', 'M']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^rcache: no rcache database at/);
  });
});

describe('a dataset that was never written', () => {
  it('says so on stderr and suggests close names, with exit 0 and nothing printed', async () => {
    const { db } = await seeded([{ id: 'a' }], 'Contact');
    await rcache(['--db', db, '--connection', 'acme', 'save', '--model', 'Invoice'], { input: ndjson([{ id: 'i' }]) });
    const typo = await rcache(['--db', db, 'records', '--model', 'contact']);
    expect(typo).toMatchObject({ code: 0, stdout: '' });
    expect(typo.stderr).toBe(`rcache: there is no dataset contact (integration default, connection default) in ${db}; did you mean Contact?\n`);
    const elsewhere = await rcache(['--db', db, 'records', '--model', 'Invoices']);
    expect(elsewhere.stderr).toMatch(/did you mean Invoice \(--connection acme\)\?\n$/);
    const unrelated = await rcache(['--db', db, 'records', '--model', 'Zebra', '--format', 'json']);
    expect(unrelated).toMatchObject({ code: 0, stdout: '{"records":[],"next_cursor":null}\n' });
    expect(unrelated.stderr).toMatch(/^rcache: there is no dataset Zebra /);
    expect(unrelated.stderr.endsWith(` in ${db}\n`)).toBe(true);
    const known = await rcache(['--db', db, 'records', '--model', 'Contact']);
    expect(known.stderr).toBe('');
  });
});

describe('selecting ids', () => {
  const ids = [{ id: 'a' }, { id: 'b' }, { id: '  spaced  ' }, { id: 'x,y' }, { id: 'x' }, { id: ' ' }];

  itOnce('an empty or blank selection is a usage error, never the whole dataset', async () => {
    const { db } = await seeded(ids);
    for (const text of ['', ',', ' , ', 'a,,b', 'a, ', '\t,a']) {
      const result = await rcache(['--db', db, 'records', '--model', 'M', '--ids', text]);
      expect(result.code, text).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/has an empty id/);
    }
    const emptyFile = join(tempDir(), 'ids');
    writeFileSync(emptyFile, '\n\n');
    const file = await rcache(['--db', db, 'records', '--model', 'M', '--ids-file', emptyFile]);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/names no id/);
    const id = await rcache(['--db', db, 'records', '--model', 'M', '--id', '']);
    expect(id.code).toBe(2);
  });

  it('--ids drops the spaces around each id; --id and --ids-file name any id, commas and spaces included', async () => {
    const { dir, db } = await seeded(ids);
    const read = async (...args: string[]) => lines((await rcache(['--db', db, 'records', '--model', 'M', ...args])).stdout).map((line) => line.id);
    expect(await read('--ids', 'a,b')).toEqual(['a', 'b']);
    expect(await read('--ids', 'a, b')).toEqual(['a', 'b']);
    expect(await read('--ids', ' a\t,\tx ')).toEqual(['a', 'x']);
    expect(await read('--ids', '\u00a0a')).toEqual([]);
    expect(await read('--id', '  spaced  ', '--id', 'x,y')).toEqual(['  spaced  ', 'x,y']);
    expect(await read('--id', ' ')).toEqual([' ']);
    const file = join(dir, 'ids');
    writeFileSync(file, 'x,y\r\n  spaced  \n\nb\n');
    expect(await read('--ids-file', file)).toEqual(['b', '  spaced  ', 'x,y']);
    expect(await read('--ids-file', file, '--ids', 'a')).toEqual(['a', 'b', '  spaced  ', 'x,y']);
    const marked = join(dir, 'marked-ids');
    writeFileSync(marked, '\ufeffb\r\nx\r\n');
    expect(await read('--ids-file', marked)).toEqual(['b', 'x']);
  });
});

describe('starting from now', () => {
  it('rcache cursor prints the current end: reading after it gives only later changes', async () => {
    const { db } = await seeded(records(3, 10));
    const end = await rcache(['--db', db, 'cursor', '--model', 'M']);
    expect(end.code).toBe(0);
    const cursor = end.stdout.trim();
    const all = lines((await rcache(['--db', db, 'records', '--model', 'M'])).stdout);
    expect(cursor).toBe(cursorOf(all.at(-1)!));
    expect((await rcache(['--db', db, 'records', '--model', 'M', '--cursor', cursor])).stdout).toBe('');
    await rcache(['--db', db, 'save', '--model', 'M'], { input: ndjson([{ id: 'new' }]) });
    expect(lines((await rcache(['--db', db, 'records', '--model', 'M', '--cursor', cursor])).stdout).map((line) => line.id)).toEqual(['new']);
    const missing = await rcache(['--db', db, 'cursor']);
    expect(missing.code).toBe(2);
    const typo = await rcache(['--db', db, 'cursor', '--model', 'm']);
    expect(typo.code).toBe(0);
    expect(typo.stderr).toMatch(/there is no dataset m .*; did you mean M\?\n$/);
  });

  it('records --follow --since-now skips the backlog and prints what is committed after it started', async () => {
    const { dir, db } = await seeded(records(50, 10));
    const file = join(dir, 'state');
    const follower = start(['--db', db, 'records', '--model', 'M', '--follow', '--since-now', '--interval', '0.05', '--cursor-file', file]);
    await until(() => following(follower.child.pid!, db), 'the follower to open the database');
    // It takes "now" a moment after opening the database, which nothing shows from outside: each
    // save below changes `after` again, until the follower prints one; every one after it must follow.
    let saves = 0;
    await until(async () => {
      if (follower.stdout().includes('"after"')) return true;
      await rcache(['--db', db, 'save', '--model', 'M'], { input: ndjson([{ id: 'after', n: saves++ }]) });
      return false;
    }, 'a change saved after the follower started');
    await until(() => lines(follower.stdout()).at(-1)?.n === saves - 1, 'the last change');
    follower.child.kill('SIGTERM');
    expect((await follower.exit).code).toBe(0);
    const printed = lines(follower.stdout());
    const first = printed[0]!.n as number;
    expect(printed.map((line) => [line.id, line.n])).toEqual(Array.from({ length: saves - first }, (_, i) => ['after', first + i]));
    expect(readFileSync(file, 'utf8').trim()).toBe(cursorOf(printed.at(-1)!));
    // A cursor file that holds a cursor wins over "now": nothing committed in between is skipped.
    await rcache(['--db', db, 'save', '--model', 'M'], { input: ndjson([{ id: 'between' }]) });
    const resumed = start(['--db', db, 'records', '--model', 'M', '--follow', '--since-now', '--interval', '0.05', '--cursor-file', file]);
    await until(() => resumed.stdout().includes('"between"'), 'the change saved in between');
    resumed.child.kill('SIGTERM');
    expect((await resumed.exit).code).toBe(0);
    expect(lines(resumed.stdout()).map((line) => line.id)).toEqual(['between']);
    const without = await rcache(['--db', db, 'records', '--model', 'M', '--since-now']);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/add --follow/);
  }, 30_000);
});
