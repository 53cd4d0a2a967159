import type { Readable } from 'node:stream';
import { readLines, type LineBatch } from './ndjson.js';

/** Records to write: NDJSON files (`-` is standard input), or lines of NDJSON text or record objects, in order. */
export type RecordSource = { files: readonly string[]; stdin?: Readable } | Iterable<string | object> | AsyncIterable<string | object>;

const BATCH_LINES = 2000;

/** How a source is read: in batches of lines, numbered from 1, named as a file for messages. */
export function batchesOf(source: RecordSource, signal: AbortSignal): AsyncIterable<LineBatch> {
  if ('files' in source) return readLines(source.files, { stdin: source.stdin, signal });
  return itemBatches(source, signal);
}

async function* itemBatches(items: Iterable<string | object> | AsyncIterable<string | object>, signal: AbortSignal): AsyncGenerator<LineBatch> {
  let batch: LineBatch = { file: '<input>', firstLine: 1, lines: [] };
  for await (const item of items) {
    signal.throwIfAborted();
    batch.lines.push(typeof item === 'string' ? item : JSON.stringify(item));
    if (batch.lines.length === BATCH_LINES) {
      yield batch;
      batch = { file: '<input>', firstLine: batch.firstLine + BATCH_LINES, lines: [] };
    }
  }
  if (batch.lines.length > 0) yield batch;
}
