import { fstatSync, statSync } from 'node:fs';
import { plural } from '../words.js';

/**
 * The size of the input when it is known: the inputs are all regular files (standard input too,
 * when redirected from one). Undefined for a pipe or a terminal.
 */
export function inputSize(inputs: readonly string[]): number | undefined {
  let total = 0;
  for (const input of inputs.length === 0 ? ['-'] : inputs) {
    try {
      const stat = input === '-' ? fstatSync(0) : statSync(input);
      if (!stat.isFile()) return undefined;
      total += stat.size;
    } catch {
      return undefined;
    }
  }
  return total;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.round((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * A one-line progress report for long runs (records so far and records/s, and with an input of
 * known size the share done and the time left), redrawn a few times a second on a terminal and
 * erased at the end. On a pipe or a file it writes nothing at all.
 */
export class Progress {
  private readonly started = performance.now();
  private lastDraw = this.started;
  private drawn = false;
  private bytes = 0;

  constructor(
    private readonly stream: { isTTY?: boolean; write(text: string): unknown },
    private readonly label: string,
    private readonly everyMs = 250,
    /** The input's size in bytes, when known. */
    private readonly size?: number,
  ) {}

  /** `records` handled so far; `bytes` of input read since the last update. */
  update(records: number, bytes = 0): void {
    this.bytes += bytes;
    if (this.stream.isTTY !== true) return;
    const now = performance.now();
    if (now - this.lastDraw < this.everyMs) return;
    this.lastDraw = now;
    const seconds = (now - this.started) / 1000;
    const rate = Math.round(records / seconds);
    const counted = plural(records, 'record', records.toLocaleString('en'));
    let line = `${this.label}: ${counted}, ${rate.toLocaleString('en')}/s`;
    if (this.size && this.bytes > 0) {
      const share = Math.min(1, this.bytes / this.size);
      line = `${this.label}: ${Math.floor(share * 100)}% · ${counted}, ${rate.toLocaleString('en')}/s · about ${duration((seconds * (1 - share)) / share)} left`;
    }
    this.stream.write(`\r\u001b[2K${line}`);
    this.drawn = true;
  }

  /** Erases the line, so the summary that follows stands alone. */
  done(): void {
    if (this.drawn) this.stream.write('\r\u001b[2K');
    this.drawn = false;
  }
}
