// `rcache serve` as a child process for the screenshots and the benchmark: the built binary on a
// free port, stopped by SIGTERM.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', 'bin', 'rcache.js');

/** Starts `rcache --db <db> serve --port 0` in `cwd`; resolves with its URL and a stop() that waits for it to exit. */
export function startServe(db, { cwd } = {}) {
  const child = spawn(process.execPath, [BIN, '--db', db, 'serve', '--port', '0'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url)
        resolve({
          url,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
    });
    exited.then((code) => reject(new Error(`rcache serve exited with ${code}: ${stderr}`)));
  });
}
