import { closeSync, openSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { RecordError } from '../decisions/record.js';
import { InputError, RcacheError } from '../errors.js';
import { trimJson, type LineBatch } from './ndjson.js';

export interface BadLineOptions {
  /** Report and skip bad lines instead of failing the run. */
  skipInvalid?: boolean;
  /** File that receives every skipped line verbatim. */
  rejects?: string;
  /** Where skipped lines are reported; nowhere without it. */
  warn?: (message: string) => void;
}

export interface RecordInputOptions extends BadLineOptions {
  stdin?: Readable;
  signal?: AbortSignal;
  /** Called after each batch of lines was handled, and awaited. */
  batchEnd?: () => Promise<void>;
}

const NEWLINE = Buffer.from('\n');

/** Keeps rejected lines, byte for byte, in a file opened on the first rejection. */
class RejectsFile {
  private fd: number | undefined;
  constructor(private readonly path: string) {}

  keep(line: string | Buffer): void {
    try {
      this.fd ??= openSync(this.path, 'w');
      writeSync(this.fd, Buffer.concat([typeof line === 'string' ? Buffer.from(line) : line, NEWLINE]));
    } catch (error) {
      throw new RcacheError(`cannot write rejected lines to ${this.path}: ${(error as Error).message}`);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}

/**
 * What happens to a bad line: in strict mode it fails the run with its file and line number; with
 * skipInvalid it is reported, kept in the rejects file, and counted through `onReject`.
 */
export class BadLines {
  private readonly rejects: RejectsFile | undefined;
  private readonly warn: (message: string) => void;

  constructor(
    private readonly options: BadLineOptions,
    private readonly onReject: () => void,
  ) {
    this.rejects = options.rejects ? new RejectsFile(options.rejects) : undefined;
    this.warn = options.warn ?? (() => {});
  }

  /** Handles line `i` of `batch`, which is bad for `reason`. */
  handle(batch: LineBatch, i: number, reason: string): void {
    const where = `${batch.file}:${batch.firstLine + i}`;
    if (!this.options.skipInvalid) throw new InputError(reason, where);
    this.warn(`${where}: ${reason} (skipped)`);
    const bad = batch.bad?.get(i);
    // An over-long line was never held in memory, so it cannot be kept.
    if (bad === undefined || bad.raw !== undefined) this.rejects?.keep(bad?.raw ?? batch.lines[i]!);
    this.onReject();
  }

  close(): void {
    this.rejects?.close();
  }
}

/**
 * Reads NDJSON input and hands each non-blank line, trimmed, to `handle`, in order, with a way to
 * reject it later; `handle` throws RecordError for a bad line, which BadLines then deals with.
 */
export async function readRecords(
  batches: AsyncIterable<LineBatch>,
  options: RecordInputOptions,
  handle: (text: string, reject: (reason: string) => void) => void,
  onReject: () => void,
): Promise<void> {
  const bad = new BadLines(options, onReject);
  try {
    for await (const batch of batches) {
      for (let i = 0; i < batch.lines.length; i++) {
        const problem = batch.bad?.get(i);
        if (problem !== undefined) {
          bad.handle(batch, i, problem.reason);
          continue;
        }
        const text = trimJson(batch.lines[i]!);
        if (text === '') continue;
        try {
          handle(text, (reason) => bad.handle(batch, i, reason));
        } catch (error) {
          if (!(error instanceof RecordError)) throw error;
          bad.handle(batch, i, error.message);
        }
      }
      await options.batchEnd?.();
    }
  } finally {
    bad.close();
  }
}
