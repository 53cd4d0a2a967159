// What every test needs to drive rcache from outside: the built binary run as a child process,
// temporary folders, and waiting for something to happen (output, an exit, a file) within a bound.
//
// Processes are killed and folders removed after the test that made them; those made outside a test
// (beforeAll) or by tests that run concurrently, after the file, so as not to pull the ground from
// under a test still running.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { TestRunner, afterAll, afterEach } from 'vitest';

export const BIN = join(import.meta.dirname, '..', 'bin', 'rcache.js');
export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/**
 * The environment of every process a test starts: no colour, and none of the settings a user's
 * shell (or a test that failed half-way) may have left set, so that each test passes its own.
 * (Extra certificate authorities are already left out of the test files' own environment: see
 * vitest.config.ts.)
 */
const BASE_ENV = { NO_COLOR: '1', FORCE_COLOR: undefined, RCACHE_NOW: undefined, RCACHE_SECRET_KEY: undefined, RCACHE_WEBHOOK_SIGNING_KEY: undefined };

/** What a test made, removed after it; what was made outside a test or by concurrent ones, after the file. */
interface Owned {
  dirs: string[];
  children: Set<Proc>;
}
const ofTest: Owned = { dirs: [], children: new Set() };
const ofFile: Owned = { dirs: [], children: new Set() };
/** Processes started as a group of their own: ended as a whole. */
const leaders = new WeakSet<ChildProcess>();

function owner(): Owned {
  const test = TestRunner.getCurrentTest();
  return test !== undefined && !test.concurrent ? ofTest : ofFile;
}

async function cleanUp(owned: Owned): Promise<void> {
  await Promise.all([...owned.children].map((proc) => kill(proc)));
  owned.children.clear();
  for (const dir of owned.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

// A test that sets the clock in this process's environment and fails before it puts it back
// must not leave it set for the tests after it.
const clock = process.env.RCACHE_NOW;

afterEach(async (context) => {
  await cleanUp(ofTest);
  if (context.task.concurrent) return;
  if (clock === undefined) delete process.env.RCACHE_NOW;
  else process.env.RCACHE_NOW = clock;
});
afterAll(async () => {
  await cleanUp(ofTest);
  await cleanUp(ofFile);
});

/** A fresh temporary folder, readable by other users (0755, for tests that drop privileges). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rcache-test-'));
  chmodSync(dir, 0o755);
  owner().dirs.push(dir);
  return dir;
}

export interface RawResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Proc {
  child: ChildProcess;
  /** Standard output so far, as raw bytes. */
  out: () => Buffer;
  /** Standard output so far, as text. */
  stdout: () => string;
  /** Standard error so far. */
  err: () => string;
  /** True until the process has ended. */
  running: () => boolean;
  exit: Promise<RawResult>;
}

export interface StartOptions {
  /** Runs the command through this one (e.g. setpriv to drop privileges, /usr/bin/time). */
  prefix?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** A process group of its own (a shell pipeline), ended as a whole. */
  group?: boolean;
}

/** Starts any program in the background with real pipes; stdin stays open until the caller ends it. */
export function spawnProcess(command: string, args: string[], options: StartOptions = {}): Proc {
  const argv = [...(options.prefix ?? []), command, ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd,
    env: { ...process.env, ...BASE_ENV, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: options.group,
  });
  if (options.group) leaders.add(child);
  const chunks: Buffer[] = [];
  const decoder = new StringDecoder('utf8');
  let text = '';
  let decoded = 0;
  let err = '';
  let ended = false;
  child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  child.stdin!.on('error', () => {});
  const exit = new Promise<RawResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      ended = true;
      resolve({ code, signal, stdout: Buffer.concat(chunks), stderr: err });
    });
  });
  const proc: Proc = {
    child,
    out: () => Buffer.concat(chunks),
    stdout: () => {
      while (decoded < chunks.length) text += decoder.write(chunks[decoded++]!);
      return text;
    },
    err: () => err,
    running: () => !ended,
    exit,
  };
  const { children } = owner();
  children.add(proc);
  void exit.finally(() => children.delete(proc)).catch(() => {});
  return proc;
}

/**
 * Stops reading the process's output in the very event that takes it past `bytes`, as a consumer
 * that stops reading would; rejects if the process ends first. A poll would stop late: by then a
 * fast process may have written all it had.
 */
export function pauseOutputAfter(proc: Proc, bytes: number): Promise<void> {
  const stdout = proc.child.stdout!;
  return new Promise((resolve, reject) => {
    let seen = proc.out().length;
    const past = () => {
      if (seen <= bytes) return false;
      stdout.pause();
      stdout.off('data', onData);
      resolve();
      return true;
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      past();
    };
    if (past()) return;
    stdout.on('data', onData);
    void proc.exit.then(() => reject(new Error(`the process ended after ${seen} bytes of output, before ${bytes}`)));
  });
}

/** Starts the built rcache in the background. */
export function start(args: string[], options: StartOptions = {}): Proc {
  return spawnProcess(process.execPath, [BIN, ...args], options);
}

/** Runs rcache to its end with `input` on stdin; stdout comes back as raw bytes. */
export function run(args: string[], input: string | Buffer = '', options: StartOptions = {}): Promise<RawResult> {
  const proc = start(args, options);
  proc.child.stdin!.end(input);
  return proc.exit;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** Runs the built rcache with real pipes and waits for it to end. */
export async function rcache(args: string[], options: RunOptions = {}): Promise<Result> {
  const result = await run(args, options.input ?? '', options);
  return { ...result, stdout: result.stdout.toString('utf8') };
}

/** Ends a process at once (its whole group, when it has one) and waits until it is gone. */
export async function kill(proc: Proc, signal: NodeJS.Signals = 'SIGKILL'): Promise<RawResult> {
  const { child } = proc;
  if (proc.running()) {
    try {
      if (leaders.has(child)) process.kill(-child.pid!, signal);
      else child.kill(signal);
    } catch {
      // It ended meanwhile.
    }
  }
  return proc.exit.catch(() => ({ code: null, signal: null, stdout: Buffer.alloc(0), stderr: '' }));
}

/** The descriptors process `pid` holds open on `path` (from /proc/PID/fd); undefined when /proc cannot tell. */
export function descriptorsOf(pid: number, path: string): string[] | undefined {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  return fds.filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

type Condition = () => boolean | Promise<boolean>;

/**
 * Waits until `condition` holds, checking it every 10 ms, and fails after `ms` (20 s by default)
 * naming `what` it waited for. The condition is what the test waits for: output that appeared, a
 * process that ended, a file that changed, a row that was written; never an amount of time.
 */
export function until(condition: Condition, what?: string, ms?: number): Promise<void>;
export function until(condition: Condition, ms: number, what?: string): Promise<void>;
export async function until(condition: Condition, a?: string | number, b?: string | number): Promise<void> {
  const what = typeof a === 'string' ? a : typeof b === 'string' ? b : 'a condition';
  const ms = typeof a === 'number' ? a : typeof b === 'number' ? b : 20_000;
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What `promise` settles to, or undefined if it has not within `ms`: a bound on how long a step may take. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  let cancel = () => {};
  const late = new Promise<undefined>((resolve) => {
    const timer = setTimeout(resolve, ms);
    cancel = () => clearTimeout(timer);
  });
  try {
    return await Promise.race([promise.then((value) => ({ value })), late]);
  } finally {
    cancel();
  }
}
