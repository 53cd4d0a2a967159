import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOneLineError } from './faults-helpers.js';
import { run, start, until } from './harness.js';
import { lines, ndjson, rcache, seed, tempDir } from './helpers.js';
import { killServe, startServe } from './serve-process.js';
import { ON_POSTGRES, dbLocation, itOnce } from './store-under-test.js';

const onLinux = existsSync('/proc/self/status');

/** The TCP ports a process listens on, from the sockets it holds and the kernel's tables. */
function listeningPorts(pid: number): number[] {
  const sockets = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) sockets.add(inode);
    } catch {
      // Closed while listed.
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const row of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const fields = row.trim().split(/\s+/);
      if (fields[3] === '0A' && sockets.has(fields[9]!)) ports.push(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

async function seeded(): Promise<{ dir: string; db: string }> {
  const dir = tempDir();
  const db = dbLocation(dir);
  await seed(db, [{ id: 'a' }]);
  return { dir, db };
}

// What the process does, the same on either store.
describe.skipIf(ON_POSTGRES || !onLinux)('SIGUSR1 opens no inspector', () => {
  it('in a follower, which goes on printing', async () => {
    const { db } = await seeded();
    const follower = start(['--db', db, 'records', '--model', 'M', '--follow', '--interval', '0.05']);
    await until(() => lines(follower.out().toString()).length === 1, 20_000, 'the backlog');
    follower.child.kill('SIGUSR1');
    // A commit printed after the signal: the follower's main thread has run since it came.
    await rcache(['--db', db, 'save', '--model', 'M'], { input: ndjson([{ id: 'b' }]) });
    await until(() => lines(follower.out().toString()).length === 2, 20_000, 'the new record');
    expect(follower.running()).toBe(true);
    expect(listeningPorts(follower.child.pid!)).toEqual([]);
    follower.child.kill('SIGTERM');
    const result = await follower.exit;
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/Debugger|inspector/i);
  });

  it('in a server, which goes on answering', async () => {
    const { db } = await seeded();
    const server = await startServe(db);
    try {
      server.child.kill('SIGUSR1');
      const answer = await fetch(`${server.url}/records?model=M`, { headers: { 'Provider-Config-Key': 'default', 'Connection-Id': 'default' } });
      expect(answer.status).toBe(200);
      expect(listeningPorts(server.child.pid!)).toEqual([Number(new URL(server.url).port)]);
      expect(server.stderr()).not.toMatch(/Debugger|inspector/i);
    } finally {
      await killServe(server);
    }
  });

  it('in a save, which saves', async () => {
    const { dir, db } = await seeded();
    const fifo = join(dir, 'input');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const save = start(['--db', db, 'save', '--model', 'M', fifo]);
    // Opening the FIFO's other end returns once the save has opened it: its code is running.
    const input = await open(fifo, 'w');
    save.child.kill('SIGUSR1');
    await input.writeFile(ndjson([{ id: 'c' }]));
    await input.close();
    const result = await save.exit;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^save M: 1 added/);
    expect(result.stderr).not.toMatch(/Debugger|inspector/i);
  });
});

/** Runs rcache under `ulimit` set by a shell first. */
function limited(limit: string, args: string[], input = '') {
  return run(args, input, { prefix: ['sh', '-c', `ulimit ${limit} && exec "$@"`, 'sh'] });
}

describe.skipIf(!onLinux)('limits of the system are said in one line', () => {
  itOnce('too few open files: raise the limit, not "build first"', async () => {
    const { db } = await seeded();
    const codes = new Set<number | null>();
    // Below about 19, Node itself cannot start (it aborts before running any of rcache).
    for (const files of [19, 20, 25, 40]) {
      for (const args of [
        ['records', '--model', 'M'],
        ['save', '--model', 'M'],
      ]) {
        const result = await limited(`-n ${files}`, ['--db', db, ...args], ndjson([{ id: 'd' }]));
        codes.add(result.code);
        if (result.code === 0) continue;
        expect(result.code, `ulimit -n ${files}: ${result.stderr}`).toBe(1);
        expectOneLineError(result.stderr, /^rcache: (cannot start: )?too many open files: raise the limit on open files \(ulimit -n\) and run again\n$/);
      }
    }
    expect([...codes].sort()).toEqual([0, 1]);
  });

  itOnce("an error escaping the command (a dependency's forgotten promise) is one line too; out of memory says which limit", async () => {
    const { dir, db } = await seeded();
    // Stands for a library that starts work nobody waits for: it fails once the command is under way.
    const preload = join(dir, 'forgotten-promise.cjs');
    writeFileSync(
      preload,
      `const write = process.stdout.write;
      process.stdout.write = function (...args) {
        Promise.reject(new RangeError('WebAssembly.instantiate(): Out of memory: Cannot allocate Wasm memory for new instance'));
        return write.apply(this, args);
      };`,
    );
    const result = await run(['--db', db, 'records', '--model', 'M'], '', { env: { NODE_OPTIONS: `--require ${preload}` } });
    expect(result.code).toBe(1);
    expectOneLineError(
      result.stderr,
      /^rcache: not enough memory \(.*Out of memory.*\): raise the memory limit \(ulimit -v\) or free some memory and run again\n$/,
    );
  });

  it("a save under an address-space limit (ulimit -v) with no room for a second V8 heap, nor for fetch's WebAssembly, runs", async () => {
    const { db } = await seeded();
    const used = Number(
      /VmSize:\s+(\d+) kB/.exec(
        spawnSync(process.execPath, ['-e', "process.stdout.write(require('fs').readFileSync('/proc/self/status', 'utf8'))"]).stdout.toString(),
      )![1],
    );
    // Node alone, then 512 MiB: enough for rcache, not for a worker thread's own V8 heap (over 800 MiB).
    const limit = used + 512 * 1024;
    const records = Array.from({ length: 50_000 }, (_, i) => ({ id: `r${i}`, name: 'x'.repeat(80) }));
    const result = await limited(`-v ${limit}`, ['--db', db, 'save', '--model', 'M'], ndjson(records));
    expect(result.stderr).not.toMatch(/Fatal|OOM|#/);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^save M: 50,000 added/);
  });
});
