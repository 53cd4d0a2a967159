import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOneLineError } from './faults-helpers.js';
import { run, start } from './harness.js';
import { lines, seed, tempDir } from './helpers.js';
import { dbLocation } from './store-under-test.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n';

const straceWorks = spawnSync('strace', ['-o', '/dev/null', 'true']).status === 0;

async function seeded(): Promise<{ dir: string; db: string }> {
  const dir = tempDir();
  const db = dbLocation(dir);
  await seed(db, [{ id: 'a' }, { id: 'b' }]);
  return { dir, db };
}

describe('--cursor-file writes only its own file', () => {
  it('a link planted where a temporary file could be is not written through', async () => {
    const { dir, db } = await seeded();
    const file = join(dir, 'state');
    const target = join(dir, 'precious');
    writeFileSync(target, 'precious\n');
    const reader = start(['--db', db, 'records', '--model', 'M', '--cursor-file', file]);
    // Planted before the reader has printed anything, at the name a temporary file was given before.
    symlinkSync(target, `${file}.${reader.child.pid}.tmp`);
    const result = await reader.exit;
    expect(result.code).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    const printed = lines(result.stdout.toString());
    expect(readFileSync(file, 'utf8')).toBe(`${printed.at(-1)!._nango_metadata.cursor}\n`);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([`state.${reader.child.pid}.tmp`]);
  });

  it('a file that holds no cursor is refused without quoting it, and left as it is', async () => {
    const { dir, db } = await seeded();
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, PASSWD);
    const link = join(dir, 'link');
    symlinkSync(passwd, link);
    const large = join(dir, 'large');
    writeFileSync(large, 'A'.repeat(5000));
    for (const file of [passwd, link, large]) {
      const result = await run(['--db', db, 'records', '--model', 'M', '--cursor-file', file]);
      expect(result).toMatchObject({ code: 2, stdout: Buffer.alloc(0) });
      expectOneLineError(
        result.stderr,
        new RegExp(`^rcache: --cursor-file: ${file} is not a cursor file: it holds something other than a cursor rcache wrote`),
      );
      expect(result.stderr).not.toMatch(/root|AAAA/);
    }
    expect(readFileSync(passwd, 'utf8')).toBe(PASSWD);
  });

  it('a FIFO or a directory is refused at once, exit 1', async () => {
    const { dir, db } = await seeded();
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const fromFifo = await run(['--db', db, 'records', '--model', 'M', '--cursor-file', fifo]);
    expect(fromFifo.code).toBe(1);
    expectOneLineError(fromFifo.stderr, new RegExp(`^rcache: cannot read cursor file ${fifo}: it is not a regular file\n$`));
    const fromDirectory = await run(['--db', db, 'records', '--model', 'M', '--cursor-file', dir]);
    expect(fromDirectory.code).toBe(1);
    expectOneLineError(fromDirectory.stderr, new RegExp(`^rcache: cannot read cursor file ${dir}: it is a directory\n$`));
  });
});

describe.skipIf(!straceWorks)('--cursor-file is durable', () => {
  it('syncs a new, exclusively created file before renaming it, then syncs the directory', async () => {
    const { dir, db } = await seeded();
    const file = join(dir, 'state');
    const log = join(dir, 'strace.log');
    const traced = await run(['--db', db, 'records', '--model', 'M', '--cursor-file', file], '', {
      prefix: ['strace', '-f', '-qq', '-o', log, '-e', 'trace=openat,fsync,fdatasync,rename,renameat,renameat2'],
    });
    expect(traced.code).toBe(0);
    const trace = readFileSync(log, 'utf8').split('\n');
    const at = (pattern: RegExp) => trace.findIndex((line) => pattern.test(line));
    const created = new RegExp(`openat\\(AT_FDCWD, "${dir}/\\.state\\.[0-9a-f]{16}\\.tmp", [^)]*O_CREAT\\|O_EXCL\\|O_NOFOLLOW[^)]*\\)\\s+= (\\d+)`);
    const open = at(created);
    expect(open, 'the temporary file is created exclusively, never through a link').toBeGreaterThanOrEqual(0);
    const fd = created.exec(trace[open]!)![1];
    const synced = at(new RegExp(`f(data)?sync\\(${fd}\\)\\s+= 0`));
    const renamed = at(new RegExp(`rename(at2?)?\\(.*"${dir}/\\.state\\.[0-9a-f]{16}\\.tmp", .*"${file}"`));
    expect(synced, 'the new file is synced').toBeGreaterThan(open);
    expect(renamed, 'then renamed over the old one').toBeGreaterThan(synced);
    const directory = new RegExp(`openat\\(AT_FDCWD, "${dir}", O_RDONLY[^)]*O_DIRECTORY[^)]*\\)\\s+= (\\d+)`);
    const opened = trace.findIndex((line, i) => i > renamed && directory.test(line));
    expect(opened, 'then its directory is opened').toBeGreaterThan(renamed);
    const directoryFd = directory.exec(trace[opened]!)![1];
    expect(
      trace.findIndex((line, i) => i > opened && new RegExp(`fsync\\(${directoryFd}\\)\\s+= 0`).test(line)),
      'and synced',
    ).toBeGreaterThan(opened);
  });
});
