#!/usr/bin/env node
// A throwaway PostgreSQL cluster for tests and benchmarks: initialised in a temporary folder,
// listening on a unix socket in that folder only, and removed when it stops.
//
//   node scripts/postgres-cluster.mjs [--durable] -- COMMAND [ARG...]
//
// runs COMMAND with RCACHE_TEST_POSTGRES set to the cluster's URL (its `postgres` database, as the
// superuser `postgres`), then stops the cluster and exits with COMMAND's exit code.
//
// The cluster is owned by a guardian process (this file run with --guard) that stops the server
// and removes its folder when its standard input closes: when its parent ends, however it ends
// (also by kill -9), or on SIGINT, SIGTERM or SIGHUP. No postmaster outlives the run.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const PORT = 5432;

/** The folder holding `initdb` and `postgres`, or undefined when PostgreSQL is not installed. */
export function findServer() {
  const candidates = [];
  if (process.env.RCACHE_PG_BIN) candidates.push(process.env.RCACHE_PG_BIN);
  // Debian and Ubuntu keep the server programs off the PATH, one folder per major version.
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join(debian, version, 'bin')));
  }
  candidates.push(...(process.env.PATH ?? '').split(delimiter).filter(Boolean));
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

/** initdb and postgres refuse to run as root: as root they run as the `postgres` user. */
function serverUser() {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (line === undefined) throw new Error('running as root, and there is no `postgres` user to run the PostgreSQL server as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function urlFor(socketDir, database = 'postgres') {
  return `postgresql://postgres@${encodeURIComponent(socketDir)}:${PORT}/${database}`;
}

/**
 * Starts a cluster owned by a guardian process. `durable` keeps fsync and autovacuum on (for
 * benchmarks); tests run without them. Resolves once the server accepts connections.
 */
export function startCluster({ durable = false, timeoutMs = 60_000 } = {}) {
  const bin = findServer();
  if (bin === undefined) return Promise.reject(new Error('PostgreSQL server programs (initdb, postgres) were not found'));
  const guardian = spawn(process.execPath, [SELF, '--guard', bin, durable ? 'durable' : 'fast'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      guardian.kill('SIGTERM');
      reject(new Error(`the PostgreSQL cluster did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    guardian.stdout.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
      const newline = output.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      const info = JSON.parse(output.slice(0, newline));
      const exited = new Promise((done) => guardian.once('close', done));
      resolve({
        ...info,
        urlFor: (database) => urlFor(info.socketDir, database),
        /** Stops the server and removes its folder. */
        stop: async () => {
          guardian.stdin.end();
          await exited;
        },
      });
    });
    guardian.on('error', reject);
    guardian.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`the PostgreSQL cluster failed to start (exit ${code})`));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The guardian: initialise, start, announce the URL on stdout, then wait for the end. */
async function guard(bin, mode) {
  const user = serverUser();
  const owned = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  const root = mkdtempSync(join(tmpdir(), 'rcache-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'socket');
  let server;
  let stopping;

  const stop = () =>
    (stopping ??= (async () => {
      if (server !== undefined && server.exitCode === null && server.signalCode === null) {
        const ended = new Promise((done) => server.once('close', done));
        // Fast shutdown first; immediate, then a kill, if it does not end in time.
        for (const [signal, wait] of [
          ['SIGINT', 15_000],
          ['SIGQUIT', 5_000],
          ['SIGKILL', 5_000],
        ]) {
          server.kill(signal);
          if (await Promise.race([ended.then(() => true), sleep(wait).then(() => false)])) break;
        }
      }
      rmSync(root, { recursive: true, force: true });
    })());
  const stopAndExit = (code) => stop().finally(() => process.exit(code));

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stopAndExit(0));
  process.on('uncaughtException', (error) => {
    process.stderr.write(`postgres-cluster: ${error.message}\n`);
    stopAndExit(1);
  });
  process.stdin.on('end', () => stopAndExit(0));
  process.stdin.on('error', () => stopAndExit(0));
  process.stdin.resume();

  try {
    chmodSync(root, 0o755);
    if (user !== undefined) chownSync(root, user.uid, user.gid);
    mkdirSync(socketDir, { mode: 0o755 });
    if (user !== undefined) chownSync(socketDir, user.uid, user.gid);

    const init = spawnSync(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync', '--auth-local=trust', '--auth-host=scram-sha-256'],
      { ...owned, encoding: 'utf8' },
    );
    if (init.status !== 0) throw new Error(`initdb failed: ${(init.stderr || init.stdout || String(init.error)).trim()}`);
    // The superuser connects without a password; every other role needs its password, so that
    // tests can meet a wrong one.
    writeFileSync(
      join(dataDir, 'pg_hba.conf'),
      ['local all postgres trust', 'local all all scram-sha-256', 'host all all 127.0.0.1/32 scram-sha-256', ''].join('\n'),
    );

    const durable = mode === 'durable';
    const settings = {
      listen_addresses: '',
      unix_socket_directories: socketDir,
      port: String(PORT),
      max_connections: '300',
      fsync: durable ? 'on' : 'off',
      synchronous_commit: durable ? 'on' : 'off',
      full_page_writes: durable ? 'on' : 'off',
      // An automatic ANALYZE holds a snapshot of its database while it runs: a VACUUM FULL then
      // must keep every row version that snapshot may see, and a test's compaction gives back
      // less than it freed. Tests' databases live for seconds and never need it.
      autovacuum: durable ? 'on' : 'off',
    };
    const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
    const log = join(root, 'server.log');
    writeFileSync(log, '');
    if (user !== undefined) chownSync(log, user.uid, user.gid);
    // Its own process group: a Ctrl-C at a terminal reaches the guardian, which stops the server in order.
    server = spawn(join(bin, 'postgres'), args, { ...owned, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    server.stderr.on('data', (chunk) => writeFileSync(log, chunk, { flag: 'a' }));
    server.on('close', () => {
      if (!stopping) {
        process.stderr.write(`postgres-cluster: the server stopped unexpectedly:\n${readFileSync(log, 'utf8').slice(-2000)}\n`);
        stopAndExit(1);
      }
    });

    // The postmaster writes "ready" as the last line of postmaster.pid once it accepts connections.
    const deadline = Date.now() + 50_000;
    for (;;) {
      const pidFile = join(dataDir, 'postmaster.pid');
      if (existsSync(pidFile) && readFileSync(pidFile, 'utf8').split('\n')[7]?.trim() === 'ready') break;
      if (Date.now() > deadline) throw new Error(`the server did not become ready:\n${readFileSync(log, 'utf8').slice(-2000)}`);
      await sleep(25);
    }
    process.stdout.write(JSON.stringify({ url: urlFor(socketDir), socketDir, dataDir, bin, pid: server.pid }) + '\n');
  } catch (error) {
    process.stderr.write(`postgres-cluster: ${error.message}\n`);
    await stopAndExit(1);
  }
}

/** Runs a command with a cluster's URL in RCACHE_TEST_POSTGRES, and stops the cluster after it. */
async function wrap(argv) {
  const separator = argv.indexOf('--');
  const options = separator < 0 ? argv : argv.slice(0, separator);
  const command = separator < 0 ? [] : argv.slice(separator + 1);
  if (command.length === 0) {
    process.stderr.write('usage: node scripts/postgres-cluster.mjs [--durable] -- COMMAND [ARG...]\n');
    process.exit(2);
  }
  const cluster = await startCluster({ durable: options.includes('--durable') });
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, RCACHE_TEST_POSTGRES: cluster.url } });
  // The child shares the terminal's process group and gets a Ctrl-C itself; this waits for it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  const code = await new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`postgres-cluster: cannot run ${command[0]}: ${error.message}\n`);
      resolve(127);
    });
    child.on('close', (status, signal) => resolve(status ?? 128 + (constants.signals[signal] ?? 0)));
  });
  await cluster.stop();
  process.exit(code);
}

if (process.argv[1] === SELF) {
  if (process.argv[2] === '--guard') guard(process.argv[3], process.argv[4]);
  else
    wrap(process.argv.slice(2)).catch((error) => {
      process.stderr.write(`postgres-cluster: ${error.message}\n`);
      process.exit(1);
    });
}
