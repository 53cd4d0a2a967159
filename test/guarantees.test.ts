import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, start, until } from './harness.js';
import { lines, ndjson, query, rcache, tempDir } from './helpers.js';
import { dbLocation, ON_POSTGRES } from './store-under-test.js';

const straceWorks = spawnSync('strace', ['-o', '/dev/null', 'true']).status === 0;

const cursorOf = (line: Record<string, any>): string => line._nango_metadata.cursor;

async function save(db: string, ids: string[], env: Record<string, string> = {}): Promise<void> {
  const result = await rcache(['--db', db, 'save', '--model', 'M'], { input: ndjson(ids.map((id) => ({ id }))), env });
  expect(result.code, result.stderr).toBe(0);
}

async function read(db: string, cursor: string): Promise<string[]> {
  const result = await rcache(['--db', db, 'records', '--model', 'M', '--cursor', cursor]);
  expect(result.code, result.stderr).toBe(0);
  return lines(result.stdout).map((line) => line.id);
}

describe('positions are never reused, even after a reset or an expiry', () => {
  it('a record saved after a reset or an expiry takes a new position: cursors from before are refused, one from after reads on', async () => {
    const db = dbLocation(tempDir());
    await save(db, ['a', 'b']);
    const all = async () => lines((await rcache(['--db', db, 'records', '--model', 'M'])).stdout);
    const first = (await all()).map(cursorOf);
    expect((await rcache(['--db', db, 'reset', '--model', 'M'])).code).toBe(0);
    await save(db, ['c']);
    const [c] = await all();
    expect(first, 'the record saved after the reset has a position of its own').not.toContain(cursorOf(c!));
    expect((await rcache(['--db', db, 'records', '--model', 'M', '--cursor', first.at(-1)!])).code, 'a cursor from before the reset').toBe(3);
    const expired = await rcache(['--db', db, 'prune', '--dataset-ttl', '1d'], { env: { RCACHE_NOW: '2999-01-01T00:00:00Z' } });
    expect(expired.stderr).toMatch(/1 dataset expired/);
    await save(db, ['d'], { RCACHE_NOW: '2999-01-01T00:00:01Z' });
    const [d] = await all();
    expect([...first, cursorOf(c!)], 'nor the record saved after the expiry').not.toContain(cursorOf(d!));
    expect((await rcache(['--db', db, 'records', '--model', 'M', '--cursor', cursorOf(c!)])).code, 'a cursor from before the expiry').toBe(3);
    await save(db, ['e'], { RCACHE_NOW: '2999-01-01T00:00:02Z' });
    expect(await read(db, cursorOf(d!)), 'a cursor from after the expiry reads what came after it').toEqual(['e']);
  });
});

describe('a follower keeps its cursor file current while it waits', () => {
  it('after printing a change it names that change in the file before it stops', async () => {
    const dir = tempDir();
    const db = dbLocation(dir);
    await save(db, ['a']);
    const file = join(dir, 'state');
    const follower = start(['--db', db, 'records', '--model', 'M', '--follow', '--interval', '0.05', '--cursor-file', file]);
    const printed = () => lines(follower.out().toString('utf8'));
    const current = (count: number) => () =>
      printed().length === count && existsSync(file) && readFileSync(file, 'utf8').trim() === cursorOf(printed()[count - 1]!);
    await until(current(1), 20_000, 'the backlog to be named in the file');
    await save(db, ['b']);
    await until(current(2), 20_000, 'the new change to be named in the file');
    expect(follower.running(), 'the follower is still waiting for more').toBe(true);
    follower.child.kill('SIGINT');
    expect((await follower.exit).code).toBe(0);
  });
});

// WAL mode and the syncs of a commit are SQLite's; PostgreSQL's durability is its server's.
describe.skipIf(ON_POSTGRES)('a reported run is durable', () => {
  it('the database is in WAL mode', async () => {
    const db = dbLocation(tempDir());
    await save(db, ['a']);
    expect(query(db, 'PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
  });

  it.skipIf(!straceWorks)('the commit is synced before the summary is printed, with as many syncs for 2,000 records as for one', async () => {
    const dir = tempDir();
    const db = dbLocation(dir);
    await save(db, ['seed']);
    const traceSave = async (count: number): Promise<string[]> => {
      const log = join(dir, `strace-${count}.log`);
      const input = ndjson(Array.from({ length: count }, (_, i) => ({ id: `${count}-${i}`, v: i })));
      const traced = await run(['--db', db, 'save', '--model', `M${count}`], input, {
        prefix: ['strace', '-f', '-qq', '-o', log, '-e', 'trace=openat,fsync,fdatasync,write,writev'],
      });
      expect(traced.code, traced.stderr).toBe(0);
      return readFileSync(log, 'utf8').split('\n');
    };
    const one = await traceSave(1);
    const many = await traceSave(2000);
    for (const trace of [one, many]) {
      const wal = new RegExp(`openat\\(AT_FDCWD, "${db}-wal", [^)]*\\)\\s+= (\\d+)`);
      const opened = trace.findIndex((line) => wal.test(line));
      expect(opened, 'the -wal file is opened').toBeGreaterThanOrEqual(0);
      const fd = wal.exec(trace[opened]!)![1];
      const summary = trace.findIndex((line) => /writev?\(2, .*save M\d+: /.test(line));
      expect(summary, 'the summary is printed').toBeGreaterThan(opened);
      const synced = trace.findIndex((line, i) => i > opened && new RegExp(`f(data)?sync\\(${fd}\\)\\s+= 0`).test(line));
      expect(synced, 'the -wal file is synced before the summary').toBeGreaterThan(opened);
      expect(synced).toBeLessThan(summary);
    }
    const syncs = (trace: string[]) => trace.filter((line) => /f(data)?sync\(\d+\)\s+= 0/.test(line)).length;
    expect(syncs(one)).toBeGreaterThan(0);
    expect(syncs(many), 'syncs are per run, not per record').toBe(syncs(one));
  });
});
