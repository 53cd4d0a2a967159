import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, rcache, spawnProcess, start, tempDir, until } from './harness.js';
import { changesOf, lines, ndjson, seed } from './helpers.js';
import { dbLocation, itOnce } from './store-under-test.js';

async function seededDb(records: unknown[] = [{ id: 'first' }]) {
  const dir = tempDir();
  const db = dbLocation(dir);
  await seed(db, records);
  return { dir, db };
}

/** The cursor of the last change of dataset M, read through the library in this process. */
async function lastCursor(db: string): Promise<string> {
  const last = (await changesOf(db, 'M')).at(-1);
  if (last === undefined) throw new Error(`no change of M in ${db}`);
  return last._nango_metadata.cursor;
}

describe('--cursor-file', () => {
  it('starts at the beginning when the file is missing, keeps the last printed cursor, and resumes from it', async () => {
    const { dir, db } = await seededDb([{ id: 'a' }, { id: 'b' }]);
    const file = join(dir, 'state');
    const first = await rcache(['--db', db, 'records', '--model', 'M', '--cursor-file', file]);
    expect(lines(first.stdout).map((r) => r.id)).toEqual(['a', 'b']);
    expect(readFileSync(file, 'utf8')).toBe(lines(first.stdout)[1]!._nango_metadata.cursor + '\n');
    await seed(db, [{ id: 'c' }, { id: 'a', n: 1 }]);
    const second = await rcache(['--db', db, 'records', '--model', 'M', '--cursor-file', file]);
    expect(lines(second.stdout).map((r) => r.id)).toEqual(['c', 'a']);
  });

  it('is left untouched when nothing is printed', async () => {
    const { dir, db } = await seededDb();
    const file = join(dir, 'state');
    const before = `${await lastCursor(db)}\n`;
    writeFileSync(file, before);
    const empty = await rcache(['--db', db, 'records', '--model', 'M', '--cursor-file', file]);
    expect(empty).toMatchObject({ code: 0, stdout: '' });
    expect(readFileSync(file, 'utf8')).toBe(before);
    const nothing = await rcache(['--db', db, 'records', '--model', 'Nothing', '--cursor-file', join(dir, 'other')]);
    expect(nothing.code).toBe(0);
    expect(existsSync(join(dir, 'other'))).toBe(false);
  });

  it('an invalid cursor in the file is a usage error; an unreadable file is exit 1; with --cursor it is a usage error', async () => {
    const { dir, db } = await seededDb();
    const file = join(dir, 'state');
    writeFileSync(file, 'garbage\n');
    const invalid = await rcache(['--db', db, 'records', '--model', 'M', '--cursor-file', file]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toBe(
      `rcache: --cursor-file: ${file} is not a cursor file: it holds something other than a cursor rcache wrote; give a file of its own (a missing file starts from the beginning)\n`,
    );
    const cursor = await lastCursor(db);
    const elsewhere = join(dir, 'other.db');
    await seed(elsewhere, [{ id: 'x' }]);
    writeFileSync(file, `${cursor}\n`);
    for (const follow of [[], ['--follow']]) {
      const foreign = await rcache(['--db', elsewhere, 'records', '--model', 'M', '--cursor-file', file, ...follow]);
      expect(foreign).toMatchObject({ code: 2, stdout: '' });
      expect(foreign.stderr).toMatch(new RegExp(`^rcache: cursor file ${file}: cursor '[A-Za-z0-9_-]+' comes from another database .*\n$`));
    }
    expect(readFileSync(file, 'utf8')).toBe(`${cursor}\n`);
    const unreadable = await rcache(['--db', db, 'records', '--model', 'M', '--cursor-file', dir]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toMatch(/cannot read cursor file/);
    const both = await rcache(['--db', db, 'records', '--model', 'M', '--cursor-file', file, '--cursor', '']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('rcache: use --cursor or --cursor-file, not both\n');
  });

  itOnce(
    'is replaced atomically: a concurrent reader never sees it half-written',
    async () => {
      const { dir, db } = await seededDb();
      const file = join(dir, 'state');
      const follower = start(['--db', db, 'records', '--model', 'M', '--follow', '--interval', '0.01', '--cursor-file', file]);
      await until(() => existsSync(file), 'the cursor file');
      const seen = new Set<string>();
      const writer = (async () => {
        for (let i = 0; i < 8; i++)
          await rcache(['--db', db, 'save', '--model', 'M'], { input: ndjson(Array.from({ length: 50 }, (_, j) => ({ id: `${i}-${j}` }))) });
      })();
      let done = false;
      void writer.then(() => (done = true));
      while (!done) {
        const content = readFileSync(file, 'utf8');
        seen.add(content);
        expect(content).toMatch(/^[A-Za-z0-9_-]+\n$/);
        await new Promise((resolve) => setImmediate(resolve));
      }
      follower.child.kill('SIGTERM');
      expect((await follower.exit).code).toBe(0);
      expect(seen.size).toBeGreaterThan(1);
    },
    60_000,
  );
});

describe('--follow', () => {
  it('prints the backlog, then changes as other processes commit them, and exits 0 on SIGINT with the cursor file current', async () => {
    const { dir, db } = await seededDb();
    const file = join(dir, 'state');
    const follower = start(['--db', db, 'records', '--model', 'M', '--follow', '--interval', '0.05', '--cursor-file', file]);
    await until(() => follower.stdout().includes('"first"'), 'the backlog');
    await rcache(['--db', db, 'save', '--model', 'M'], { input: ndjson([{ id: 'second' }]) });
    await rcache(['--db', db, 'delete', '--model', 'M', 'first']);
    await until(() => lines(follower.stdout()).length === 3, 'both changes');
    follower.child.kill('SIGINT');
    expect((await follower.exit).code).toBe(0);
    const printed = lines(follower.stdout());
    expect(printed.map((r) => [r.id, r._nango_metadata.last_action])).toEqual([
      ['first', 'ADDED'],
      ['second', 'ADDED'],
      ['first', 'DELETED'],
    ]);
    expect(readFileSync(file, 'utf8').trim()).toBe(printed[2]!._nango_metadata.cursor);
    expect(follower.err()).toBe('');
  });

  it('--follow | head -1 ends by itself, even when nothing new arrives', async () => {
    const { db } = await seededDb([{ id: 'a' }, { id: 'b' }]);
    const shell = spawnProcess('sh', ['-c', `"${process.execPath}" "${BIN}" --db "${db}" records --model M --follow --interval 0.05 | head -1`], {
      group: true,
    });
    shell.child.stdin!.end();
    const result = { ...(await shell.exit), stdout: shell.stdout() };
    expect(result.code).toBe(0);
    expect(lines(result.stdout).map((r) => r.id)).toEqual(['a']);
  });

  itOnce('needs NDJSON output and a positive interval', async () => {
    const { db } = await seededDb();
    const json = await rcache(['--db', db, 'records', '--model', 'M', '--follow', '--format', 'json']);
    expect(json.code).toBe(2);
    const interval = await rcache(['--db', db, 'records', '--model', 'M', '--follow', '--interval', '0']);
    expect(interval.code).toBe(2);
    expect(interval.stderr).toMatch(/--interval takes a number of seconds greater than 0/);
  });
});

describe('concurrent writers and readers', () => {
  it('a follower and a paging reader see every id exactly once while three writers commit at once', async () => {
    const { dir, db } = await seededDb([{ id: 'seed' }]);
    const file = join(dir, 'state');
    const follower = start(['--db', db, 'records', '--model', 'M', '--follow', '--interval', '0.02', '--cursor-file', file]);
    const expected = new Set(['seed']);
    const writers = [0, 1, 2].map(async (writer) => {
      for (let run = 0; run < 6; run++) {
        const batch = Array.from({ length: 200 }, (_, i) => ({ id: `w${writer}-r${run}-${i}`, writer, payload: 'x'.repeat(50) }));
        for (const record of batch) expected.add(record.id);
        const result = await rcache(['--db', db, 'save', '--model', 'M', '--busy-timeout', '30000'], { input: ndjson(batch) });
        expect(result.code, result.stderr).toBe(0);
      }
    });
    const paged: string[] = [];
    let cursor = '';
    let writersDone = false;
    const all = Promise.all(writers).then(() => (writersDone = true));
    const followed = () => follower.stdout().split('\n').length - 1;
    for (let reads = 0; reads < 1000; reads++) {
      const finished = writersDone;
      const page = lines((await rcache(['--db', db, 'records', '--model', 'M', '--cursor', cursor, '--limit', '500'])).stdout);
      paged.push(...page.map((r) => r.id));
      if (page.length > 0) cursor = page.at(-1)!._nango_metadata.cursor;
      else if (finished) break;
      // Read again once there is more to read: the follower has seen a commit this reader has not.
      else await until(() => writersDone || followed() > paged.length, 'another commit');
    }
    await all;
    expect(paged.length).toBe(expected.size);
    expect(new Set(paged)).toEqual(expected);
    await until(() => followed() >= expected.size, 'the follower to print every id');
    follower.child.kill('SIGTERM');
    expect((await follower.exit).code).toBe(0);
    const printed = lines(follower.stdout());
    expect(printed.length).toBe(expected.size);
    expect(new Set(printed.map((r) => r.id))).toEqual(expected);
    const cursors = printed.map((r) => r._nango_metadata.cursor);
    expect(readFileSync(file, 'utf8').trim()).toBe(cursors.at(-1));
  }, 60_000);
});
