// Measures one whole process: wall time (spawn to exit) and peak memory (max RSS).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

/** How max RSS is taken: GNU time's %M (exact, from wait4) or polling /proc/PID/status VmHWM. */
export const rssMethod =
  existsSync(GNU_TIME) && /GNU/.test(spawnSync(GNU_TIME, ['--version'], { encoding: 'utf8' }).output.join(''))
    ? 'GNU time %M'
    : 'polling /proc/PID/status VmHWM every 5 ms';

function vmHwmKiB(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Runs `command args` once. stdin: a file path or undefined (none); stdout: a file path,
 * 'capture', or undefined (/dev/null). Rejects when the process fails.
 * Resolves to { ms, maxRssKiB, stdout }.
 */
export function measure(command, args, { stdin, stdout } = {}) {
  const timeFile = join(tmpdir(), `rcache-bench-time-${process.pid}`);
  const wrapped = rssMethod.startsWith('GNU') ? [GNU_TIME, ['-f', '%M', '-o', timeFile, command, ...args]] : [command, args];
  const input = stdin === undefined ? 'ignore' : openSync(stdin, 'r');
  const output = stdout === undefined ? 'ignore' : stdout === 'capture' ? 'pipe' : openSync(stdout, 'w');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(wrapped[0], wrapped[1], { stdio: [input, output, 'pipe'] });
    let peak = 0;
    const poll = rssMethod.startsWith('GNU') ? undefined : setInterval(() => (peak = Math.max(peak, vmHwmKiB(child.pid))), 5);
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (text) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text) => (err += text));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      clearInterval(poll);
      for (const fd of [input, output]) if (typeof fd === 'number') closeSync(fd);
      if (poll === undefined && existsSync(timeFile)) {
        peak = Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1));
        rmSync(timeFile);
      }
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${err.trim().split('\n').slice(-5).join('\n')}`));
      } else {
        resolve({ ms, maxRssKiB: peak, stdout: out });
      }
    });
  });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median, min and max of each measured quantity over the samples of one subject. */
export function summarise(samples) {
  const of = (key) => samples.map((sample) => sample[key]);
  return {
    ms: { median: median(of('ms')), min: Math.min(...of('ms')), max: Math.max(...of('ms')) },
    maxRssKiB: { median: median(of('maxRssKiB')), min: Math.min(...of('maxRssKiB')), max: Math.max(...of('maxRssKiB')) },
  };
}
