import { fstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * Tells whether the reader of a pipe on `fd` has gone away, without writing to it. A writer only
 * learns of that at its next write (EPIPE); a follower waiting for changes may not write for hours,
 * so on Linux this looks, as GNU tail does with poll(), for a process that still holds the read
 * end. It remembers that process, so a check is usually one small directory listing. Where it
 * cannot tell (not Linux, not a pipe), it answers false and the next write decides.
 */
export function pipeReaderWatch(fd = 1): () => boolean {
  let target: string;
  try {
    const stat = fstatSync(fd);
    if (process.platform !== 'linux' || !stat.isFIFO()) return () => false;
    target = `pipe:[${stat.ino}]`;
  } catch {
    return () => false;
  }
  let holder: string | undefined;

  const holdsReadEnd = (pid: string): boolean => {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      return false;
    }
    for (const entry of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${entry}`) !== target) continue;
        const flags = /flags:\s*([0-7]+)/.exec(readFileSync(`/proc/${pid}/fdinfo/${entry}`, 'utf8'));
        if (!flags || (parseInt(flags[1]!, 8) & 3) !== 1) return true;
      } catch {
        // The process or descriptor went away while looking: it holds nothing now.
      }
    }
    return false;
  };

  return () => {
    if (holder !== undefined && holdsReadEnd(holder)) return false;
    holder = undefined;
    let pids: string[];
    try {
      pids = readdirSync('/proc');
    } catch {
      return false;
    }
    const self = String(process.pid);
    holder = pids.find((pid) => pid !== self && /^\d+$/.test(pid) && holdsReadEnd(pid));
    return holder === undefined;
  };
}
