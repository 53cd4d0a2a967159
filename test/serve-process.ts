import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { BIN } from './helpers.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

export const ENV = { NO_COLOR: '1', RCACHE_SECRET_KEY: undefined, RCACHE_NOW: undefined };

/** Starts the built `rcache serve --port 0` and resolves with the URL of its startup line. */
export function startServe(db: string, args: string[] = [], env: Record<string, string | undefined> = {}, cwd?: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, '--db', db, 'serve', '--port', '0', ...args], {
    cwd,
    env: { ...process.env, ...ENV, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url) resolve({ url, child, stderr: () => stderr, exited });
    });
    exited.then((code) => reject(new Error(`rcache serve exited with ${code}: ${stderr}`)));
  });
}

/** Ends a server at once (SIGKILL) and waits for it to be gone. */
export async function killServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const owned = new Set<ChildProcess>();

afterEach(async () => {
  await Promise.all([...owned].map(killServe));
  owned.clear();
});

/** As startServe, and killed after the test. */
export async function startOwnedServe(db: string, args: string[] = [], env: Record<string, string | undefined> = {}): Promise<ServeProcess> {
  const server = await startServe(db, args, env);
  owned.add(server.child);
  return server;
}
