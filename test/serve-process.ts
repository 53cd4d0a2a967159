// `rcache serve` as a child process: started on a free loopback port, and the URL it announces.
import type { ChildProcess } from 'node:child_process';
import { kill, start, until, type Proc } from './harness.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  proc: Proc;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** How long a server may take to say it listens. */
const LISTEN_MS = 20_000;

/** Starts the built `rcache serve --port 0` and resolves with the URL of its startup line; the harness ends it after the test. */
export async function startServe(db: string, args: string[] = [], env: Record<string, string | undefined> = {}, cwd?: string): Promise<ServeProcess> {
  const proc = start(['--db', db, 'serve', '--port', '0', ...args], { env, cwd });
  proc.child.stdout!.resume();
  const exited = proc.exit.then((result) => result.code);
  const url = () => /listening on (http:\/\/\S+)/.exec(proc.err())?.[1];
  await until(() => url() !== undefined || !proc.running(), LISTEN_MS, 'rcache serve to listen');
  if (url() === undefined) throw new Error(`rcache serve exited with ${await exited}: ${proc.err()}`);
  return { url: url()!, child: proc.child, proc, stderr: proc.err, exited };
}

/** Ends a server at once (SIGKILL) and waits for it to be gone. */
export async function killServe(server: ServeProcess): Promise<void> {
  await kill(server.proc);
}
