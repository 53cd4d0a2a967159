import { readFileSync } from 'node:fs';

/**
 * What a worker thread adds to the process's address space (its own V8 heap and code range, its
 * stack): about 860 MiB measured on Linux x64 with Node 20, rounded up.
 */
const THREAD_RESERVE = 1024 * 1024 * 1024;

/**
 * Whether a worker thread fits under the address-space limit (`ulimit -v`). V8 cannot report a
 * failure to reserve a new thread's heap as an error: it ends the whole process. Where the limit
 * cannot be read (not Linux), there is taken to be none.
 */
export function roomForThread(): boolean {
  let limits: string;
  let status: string;
  try {
    limits = readFileSync('/proc/self/limits', 'utf8');
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return true;
  }
  const limit = /^Max address space\s+(\d+)/m.exec(limits)?.[1];
  const used = /^VmSize:\s+(\d+) kB/m.exec(status)?.[1];
  if (limit === undefined || used === undefined) return true;
  return Number(limit) - Number(used) * 1024 >= THREAD_RESERVE;
}
