import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { InvalidArgumentError, RcacheError } from '../errors.js';

/** A line longer than this is refused, so one runaway line cannot exhaust memory. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** A line that could not be decoded: too long, or not UTF-8. */
export interface BadLine {
  reason: string;
  /** The line's bytes, when they were kept (not for over-long lines). */
  raw?: Buffer;
}

/** Consecutive lines of one input; line `firstLine + i` is `lines[i]`. */
export interface LineBatch {
  file: string;
  firstLine: number;
  lines: string[];
  bad?: Map<number, BadLine>;
  /** The bytes the lines were decoded from, when all are valid UTF-8: `lines` is splitLines(bytes). */
  bytes?: Buffer;
}

export interface ReadOptions {
  stdin?: Readable;
  signal?: AbortSignal;
  maxLineBytes?: number;
}

const isJsonSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

/** A line without the white space JSON allows around a value (space, tab, CR, LF): no other blank is removed. */
export function trimJson(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && isJsonSpace(line.charCodeAt(start))) start++;
  while (end > start && isJsonSpace(line.charCodeAt(end - 1))) end--;
  return start === 0 && end === line.length ? line : line.slice(start, end);
}

/**
 * Decoded a piece at a time: each line is a slice of the string its piece became, which stays
 * alive as long as any of its lines does. Pieces this small die young; a 64 KiB one (up to 128 KB
 * as a string) would be a large object, moved out of the young generation and left for a full
 * garbage collection.
 */
const PIECE_BYTES = 16 * 1024;

/** Lines of UTF-8 text, split on LF (CR and other blank space are left for the caller to trim). */
export function splitLines(bytes: Uint8Array): string[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lines: string[] = [];
  for (let start = 0; ; ) {
    let end = buffer.length;
    if (end - start > PIECE_BYTES) {
      end = buffer.lastIndexOf(10, start + PIECE_BYTES);
      if (end < start) end = buffer.indexOf(10, start + PIECE_BYTES);
      if (end === -1) end = buffer.length;
    }
    for (const line of buffer.toString('utf8', start, end).split('\n')) lines.push(line);
    if (end === buffer.length) return lines;
    start = end + 1;
  }
}

function decodeLines(region: Buffer, batch: LineBatch): void {
  if (isUtf8(region)) {
    batch.lines = splitLines(region);
    batch.bytes = region;
    return;
  }
  let start = 0;
  for (;;) {
    const end = region.indexOf(10, start);
    const line = region.subarray(start, end === -1 ? region.length : end);
    if (!isUtf8(line)) {
      batch.bad ??= new Map();
      batch.bad.set(batch.lines.length, { reason: 'not valid UTF-8', raw: Buffer.from(line) });
    }
    batch.lines.push(line.toString('utf8'));
    if (end === -1) return;
    start = end + 1;
  }
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The first line of an input loses its byte-order mark, in its bytes as in its text. */
function withoutBom(region: Buffer, lineNo: number): Buffer {
  return lineNo === 1 && region.subarray(0, 3).equals(BOM) ? region.subarray(3) : region;
}

function openInput(input: string, options: ReadOptions): { file: string; stream: Readable } {
  if (input === '-') return { file: '<stdin>', stream: options.stdin ?? process.stdin };
  return { file: input, stream: createReadStream(input, { highWaterMark: 64 * 1024 }) };
}

function inputError(file: string, error: NodeJS.ErrnoException): RcacheError {
  const reason = error.code === 'ENOENT' ? 'no such file' : error.code === 'EISDIR' ? 'it is a directory' : error.message;
  return error.code === 'ENOENT' || error.code === 'EISDIR'
    ? new InvalidArgumentError(`cannot read ${file}: ${reason}`)
    : new RcacheError(`cannot read ${file}: ${reason}`);
}

/**
 * Reads NDJSON inputs (`-` is standard input) as batches of lines, numbered from 1 in each file.
 * Lines are split on LF, and a UTF-8 byte-order mark at the start of each input is dropped; the
 * caller trims CR and the rest of JSON's white space (see trimJson).
 */
export async function* readLines(inputs: readonly string[], options: ReadOptions = {}): AsyncGenerator<LineBatch> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  for (const input of inputs.length === 0 ? ['-'] : inputs) {
    const { file, stream } = openInput(input, options);
    const abort = () => stream.destroy(options.signal!.reason as Error);
    options.signal?.addEventListener('abort', abort, { once: true });
    // An abort that came before this listener (a Ctrl-C while the command was starting) ends the read too.
    if (options.signal?.aborted) abort();
    let lineNo = 1;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let skippingLongLine = false;
    const tooLong = (): LineBatch => ({
      file,
      firstLine: lineNo,
      lines: [''],
      bad: new Map([[0, { reason: `line is longer than ${Math.round(maxLineBytes / 1048576)} MiB` }]]),
    });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const last = chunk.lastIndexOf(10);
        if (last === -1) {
          if (!skippingLongLine) {
            pending.push(chunk);
            pendingBytes += chunk.length;
            if (pendingBytes > maxLineBytes) {
              yield tooLong();
              skippingLongLine = true;
              pending = [];
              pendingBytes = 0;
            }
          }
          continue;
        }
        let head = chunk.subarray(0, last);
        if (skippingLongLine) {
          const end = chunk.indexOf(10);
          head = chunk.subarray(end + 1, Math.max(end + 1, last));
          lineNo++;
          skippingLongLine = false;
          if (end === last) {
            pending = [chunk.subarray(last + 1)];
            pendingBytes = pending[0]!.length;
            continue;
          }
        }
        const region = withoutBom(pending.length > 0 ? Buffer.concat([...pending, head]) : head, lineNo);
        const batch: LineBatch = { file, firstLine: lineNo, lines: [] };
        decodeLines(region, batch);
        lineNo += batch.lines.length;
        const rest = chunk.subarray(last + 1);
        pending = rest.length > 0 ? [rest] : [];
        pendingBytes = rest.length;
        yield batch;
      }
      if (pendingBytes > 0 && !skippingLongLine) {
        const batch: LineBatch = { file, firstLine: lineNo, lines: [] };
        decodeLines(withoutBom(Buffer.concat(pending), lineNo), batch);
        yield batch;
      }
    } catch (error) {
      if (error instanceof RcacheError) throw error;
      throw inputError(file, error as NodeJS.ErrnoException);
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
  }
}

/** The bytes a batch of lines was read from (its newlines included). */
export function batchBytes(batch: LineBatch): number {
  if (batch.bytes) return batch.bytes.length;
  return batch.lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
}
