// `rcache serve` as a child process: started on a free loopback port, and the URL it announces.
import type { ChildProcess } from 'node:child_process';
import { kill, start, type Proc } from './harness.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  proc: Proc;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts the built `rcache serve --port 0` and resolves with the URL of its startup line; the harness ends it after the test. */
export function startServe(db: string, args: string[] = [], env: Record<string, string | undefined> = {}, cwd?: string): Promise<ServeProcess> {
  const proc = start(['--db', db, 'serve', '--port', '0', ...args], { env, cwd });
  proc.child.stdout!.resume();
  const exited = proc.exit.then((result) => result.code);
  return new Promise((resolve, reject) => {
    const listening = () => {
      const url = /listening on (http:\/\/\S+)/.exec(proc.err())?.[1];
      if (url) {
        proc.child.stderr!.off('data', listening);
        resolve({ url, child: proc.child, proc, stderr: proc.err, exited });
      }
    };
    proc.child.stderr!.on('data', listening);
    exited.then((code) => reject(new Error(`rcache serve exited with ${code}: ${proc.err()}`)));
  });
}

/** Ends a server at once (SIGKILL) and waits for it to be gone. */
export async function killServe(server: ServeProcess): Promise<void> {
  await kill(server.proc);
}
