import type { LineBatch } from './ndjson.js';

/** How long to wait for the next batch before passing on what has been gathered: a slow pipe is never held back longer. */
const WAIT_MS = 10;

function bytesOf(batch: LineBatch): number {
  if (batch.bytes) return batch.bytes.length;
  let total = 0;
  for (const line of batch.lines) total += line.length;
  return total;
}

/** Batch `next` appended to `into` (same file, lines that follow on). */
function append(into: LineBatch, next: LineBatch): LineBatch {
  const offset = into.lines.length;
  const merged: LineBatch = { file: into.file, firstLine: into.firstLine, lines: into.lines.concat(next.lines) };
  if (into.bad || next.bad) {
    merged.bad = new Map(into.bad);
    for (const [index, bad] of next.bad ?? []) merged.bad.set(offset + index, bad);
  }
  // Each batch's bytes end before its last line break: joined by one, they are the merged lines.
  if (into.bytes && next.bytes) merged.bytes = Buffer.concat([into.bytes, Buffer.from('\n'), next.bytes]);
  return merged;
}

/**
 * Joins consecutive batches of one file until they hold `minBytes`, for a store where each batch
 * costs a round trip. It never waits long for input: what has arrived is passed on when the next
 * batch is not there within a few milliseconds.
 */
export async function* coalesce(batches: AsyncIterable<LineBatch>, minBytes: number): AsyncGenerator<LineBatch> {
  const iterator = batches[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<LineBatch>> | undefined;
  let gathered: LineBatch | undefined;
  try {
    for (;;) {
      if (pending === undefined) {
        pending = iterator.next();
        // Awaited below; a failure while nothing awaits it must not count as unhandled.
        pending.catch(() => {});
      }
      const next = pending;
      let result: IteratorResult<LineBatch> | 'waiting';
      if (gathered === undefined) {
        result = await next;
      } else {
        let timer: NodeJS.Timeout | undefined;
        const waited = new Promise<'waiting'>((resolve) => (timer = setTimeout(() => resolve('waiting'), WAIT_MS)));
        try {
          result = await Promise.race([next, waited]);
        } catch (error) {
          yield gathered;
          gathered = undefined;
          throw error;
        } finally {
          clearTimeout(timer);
        }
      }
      if (result === 'waiting') {
        yield gathered!;
        gathered = undefined;
        continue;
      }
      pending = undefined;
      if (result.done) break;
      const batch = result.value;
      if (gathered !== undefined && (gathered.file !== batch.file || batch.firstLine !== gathered.firstLine + gathered.lines.length)) {
        yield gathered;
        gathered = undefined;
      }
      gathered = gathered === undefined ? batch : append(gathered, batch);
      if (bytesOf(gathered) >= minBytes) {
        yield gathered;
        gathered = undefined;
      }
    }
    if (gathered !== undefined) yield gathered;
  } finally {
    await iterator.return?.();
  }
}
