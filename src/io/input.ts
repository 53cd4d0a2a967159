import { closeSync, openSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { RecordError } from '../cache/record.js';
import { InputError, RcacheError } from '../errors.js';
import { readLines } from './ndjson.js';

export interface RecordInputOptions {
  inputs: readonly string[];
  /** Report and skip bad lines instead of failing the run. */
  skipInvalid?: boolean;
  /** File that receives every skipped line verbatim. */
  rejects?: string;
  stdin?: Readable;
  signal?: AbortSignal;
  /** Where skipped lines are reported. */
  warn?: (message: string) => void;
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
 * Reads NDJSON input and hands each non-blank line, trimmed, to `handle`, in order; `handle`
 * throws RecordError for a bad line. A bad line fails the whole input with its file and line
 * number, or, with skipInvalid, is reported, kept in the rejects file, and counted through `onReject`.
 */
export async function readRecords(options: RecordInputOptions, handle: (text: string) => void, onReject: () => void): Promise<void> {
  const rejects = options.rejects ? new RejectsFile(options.rejects) : undefined;
  const warn = options.warn ?? ((message: string) => process.stderr.write(`rcache: ${message}\n`));
  try {
    for await (const batch of readLines(options.inputs, options)) {
      for (let i = 0; i < batch.lines.length; i++) {
        const line = batch.lines[i]!;
        const bad = batch.bad?.get(i);
        let reason: string;
        if (bad === undefined) {
          const text = line.trim();
          if (text === '') continue;
          try {
            handle(text);
            continue;
          } catch (error) {
            if (!(error instanceof RecordError)) throw error;
            reason = error.message;
          }
        } else {
          reason = bad.reason;
        }
        const where = `${batch.file}:${batch.firstLine + i}`;
        if (!options.skipInvalid) throw new InputError(reason, where);
        warn(`${where}: ${reason} (skipped)`);
        if (bad === undefined || bad.raw !== undefined) rejects?.keep(bad?.raw ?? line);
        onReject();
      }
    }
  } finally {
    rejects?.close();
  }
}
