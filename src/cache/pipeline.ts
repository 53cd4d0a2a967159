import { RecordError } from '../decisions/record.js';
import { BadLines, type BadLineOptions } from '../input/input.js';
import { batchBytes, trimJson, type LineBatch } from '../input/ndjson.js';
import { Preparer } from './preparer.js';
import type { Check, Entry, SaveRun } from './save-run.js';

/** One batch of input on its way through the pipeline. */
interface Flight {
  batch: LineBatch;
  /** Index in the batch of each line handed to the run. */
  positions: number[];
  check: Check;
  prepared: Promise<ReturnType<Preparer['prepare']> extends Promise<infer T> ? T : never>;
}

export interface PipelineOptions extends BadLineOptions {
  /** Told after each batch how many lines have been read so far, and the bytes of that batch. */
  onProgress?: (lines: number, bytes: number) => void;
  signal?: AbortSignal;
}

/**
 * Saves batches of NDJSON lines with two threads: while the main thread writes batch k to the
 * store, a worker parses and hashes batch k+1. Lines are still applied strictly in input order,
 * and bad lines are dealt with in that order too, so the first error reported is the first bad
 * line. A batch is applied as soon as it is prepared, without waiting for more input: on a slow
 * pipe an error is reported when its line arrives, not when the input ends.
 */
export async function saveBatches(run: SaveRun, source: (signal: AbortSignal) => AsyncIterable<LineBatch>, options: PipelineOptions): Promise<void> {
  const bad = new BadLines(options, () => run.reject());
  // Stops the input when the run fails, so that an open pipe does not keep the process waiting.
  const stop = new AbortController();
  const batches = source(options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal)[Symbol.asyncIterator]();
  let lines = 0;
  // Started on the first batch with lines to prepare: a re-sync of unchanged records needs none.
  let preparer: Preparer | undefined;
  let flight: Flight | undefined;
  // The next batch is read while this one is applied; if that read fails (an interrupt destroys
  // the input), it is awaited and reported in turn, so it must not count as unhandled meanwhile.
  const nextBatch = () => {
    const read = batches.next();
    read.catch(() => {});
    return read;
  };
  let read = nextBatch();
  try {
    for (;;) {
      if (
        flight &&
        (await Promise.race([
          read.then(() => false),
          flight.prepared.then(
            () => true,
            () => true,
          ),
        ]))
      ) {
        await land(run, flight, bad);
        flight = undefined;
      }
      const { done, value: batch } = await read;
      if (done) break;
      read = nextBatch();
      const { positions, texts } = linesOf(batch);
      const check = await run.check(texts, options.signal);
      const prepared = check.pending.length
        ? (preparer ??= new Preparer(run.lines.rules, run.lines.ready)).prepare(
            check.pending.map((i) => texts[i]!),
            {
              rawHashes: check.pending.map((i) => check.rawHashes[i]),
              hashNow: check.compared,
              stored: check.pending.map((i) => (check.payloads.size > 0 ? check.payloads.get(check.rows[i]?.rowid ?? -1) : undefined)),
            },
            // Most lines of the batch to prepare: its bytes are cheaper to post than its strings.
            batch.bytes && check.pending.length * 2 > texts.length ? { bytes: batch.bytes, lines: check.pending.map((i) => positions[i]!) } : undefined,
          )
        : Promise.resolve({ records: [], storedHashes: [] });
      if (flight) await land(run, flight, bad);
      flight = { batch, positions, check, prepared };
      lines += texts.length;
      options.onProgress?.(lines, batchBytes(batch));
    }
    if (flight) await land(run, flight, bad);
  } catch (error) {
    stop.abort(error);
    throw error;
  } finally {
    bad.close();
    await preparer?.close();
  }
}

/** The non-blank, decodable lines of a batch, trimmed, with where each stands in the batch. */
function linesOf(batch: LineBatch): { positions: number[]; texts: string[] } {
  const positions: number[] = [];
  const texts: string[] = [];
  batch.lines.forEach((line, i) => {
    const text = batch.bad?.has(i) ? '' : trimJson(line);
    if (text === '') return;
    positions.push(i);
    texts.push(text);
  });
  return { positions, texts };
}

async function land(run: SaveRun, { batch, positions, check, prepared }: Flight, bad: BadLines): Promise<void> {
  const { records, storedHashes } = await prepared;
  storedHashes.forEach((hash, k) => {
    if (hash !== undefined) check.storedHashes.set(check.rows[check.pending[k]!]!.rowid, hash);
  });
  const entries: Entry[] = [];
  let pending = 0;
  let position = 0;
  for (let i = 0; i < batch.lines.length; i++) {
    const problem = batch.bad?.get(i);
    if (problem !== undefined) {
      bad.handle(batch, i, problem.reason);
      continue;
    }
    if (positions[position] !== i) continue;
    const index = position++;
    const record = check.pending[pending] === index ? records[pending++] : undefined;
    if (record instanceof RecordError) bad.handle(batch, i, record.message);
    else entries.push({ index, record });
  }
  await run.apply(check, entries, (index, reason) => bad.handle(batch, positions[index]!, reason));
}
