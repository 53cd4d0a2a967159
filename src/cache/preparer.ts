import { Worker } from 'node:worker_threads';
import { storedPayloadHash } from '../decisions/hash.js';
import { RecordError, prepareRecord, type PreparedRecord } from '../decisions/record.js';
import { splitLines, trimJson } from '../input/ndjson.js';
import { roomForThread } from './address-space.js';
import type { LineRules, ReadyRules } from './line-rules.js';

/** Lines to prepare: as strings, or as the bytes of a batch and which of its lines (trimmed) to take. */
export type PrepareLines = { texts: string[] } | { bytes: Uint8Array; lines: ArrayLike<number> };

/** A batch of lines to prepare, with what the calling thread already knows of them. */
export type PrepareJob = PrepareLines & {
  /** Per line, when any is known. */
  rawHashes?: (string | undefined)[];
  /** Per line: whether its hash is needed now; otherwise it is deferred where that is allowed. */
  hashNow: ArrayLike<boolean | number>;
  /** Per line: the payload of the stored record it is compared with, when that record's hash was deferred: hashed too. */
  stored?: (string | null | undefined)[];
};

export type PrepareRequest = PrepareJob & { batch: number };

/**
 * Per line: [id, payload or null when it is the text, hash or null when deferred, raw hash, version
 * or null, the stored payload's hash or null], or the reason the line is not a record.
 */
export type PrepareResults = ([string, string | null, string | null, string, string | null, string | null] | string)[];

export interface PrepareReply {
  batch: number;
  results: PrepareResults;
}

/** A line prepared off the main thread: the record, or the RecordError that `prepareRecord` threw. */
export type Prepared = PreparedRecord | RecordError;

/** A batch prepared: each line's record, and the hash of the stored payload it was given, if any. */
export interface PreparedBatch {
  records: Prepared[];
  storedHashes: (string | undefined)[];
}

/** The hash a stored payload stands for; one that cannot be hashed is left to the caller, which meets the failure in turn. */
function storedHash(payload: string | null | undefined): string | null {
  if (typeof payload !== 'string') return null;
  try {
    return storedPayloadHash(payload);
  } catch (error) {
    if (error instanceof RecordError) return null;
    throw error;
  }
}

function textsOf(job: PrepareLines): string[] {
  if ('texts' in job) return job.texts;
  const all = splitLines(job.bytes);
  return Array.from(job.lines, (line) => trimJson(all[line]!));
}

/** Prepares a batch of lines, in a form that can be posted between threads. */
export function prepareBatch(job: PrepareJob, { ignore, checks }: ReadyRules): PrepareResults {
  const { rawHashes, hashNow, stored } = job;
  const { versionPath, validate } = checks;
  return textsOf(job).map((text, i) => {
    try {
      const record = prepareRecord(text, ignore, { rawHash: rawHashes?.[i], deferHash: !hashNow[i], versionPath, validate });
      // The payload is usually the text itself, which the main thread still has.
      return [record.id, record.payload === text ? null : record.payload, record.hash ?? null, record.rawHash, record.version ?? null, storedHash(stored?.[i])];
    } catch (error) {
      if (error instanceof RecordError) return error.message;
      throw error;
    }
  });
}

/**
 * Prepares lines (parse, hash) on a worker thread, batch by batch. The first batch, and those that
 * come while the worker is starting, are prepared on the calling thread, so a small input does not
 * wait for a thread to start and a large one does not wait for its first batch.
 */
export class Preparer {
  private worker: Worker | undefined;
  private ready = false;
  /** Whether a worker may be started; without one, every batch is prepared on the calling thread. */
  private threaded: boolean | undefined;
  private readonly waiting = new Map<number, { resolve: (reply: PrepareReply) => void; reject: (error: Error) => void }>();
  private next = 0;
  private failure: Error | undefined;

  constructor(
    private readonly rules: LineRules,
    /** The same rules, ready for preparing lines on this thread. */
    private readonly local: ReadyRules,
  ) {}

  private start(): Worker {
    // A small young generation keeps the worker's memory flat: its garbage is short-lived strings.
    // Hashing every record (with ignored fields) makes several times more of it, and a young
    // generation that small would be collected all the time.
    const worker = new Worker(new URL('./prepare-worker.js', import.meta.url), {
      workerData: this.rules,
      resourceLimits: { maxYoungGenerationSizeMb: this.rules.ignoreFields.length > 0 ? 8 : 2 },
    });
    worker.on('message', (reply: PrepareReply | 'ready') => {
      if (reply === 'ready') {
        this.ready = true;
        return;
      }
      this.waiting.get(reply.batch)?.resolve(reply);
      this.waiting.delete(reply.batch);
    });
    worker.on('error', (error) => {
      this.failure = error;
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
    });
    return worker;
  }

  /**
   * Prepares `texts`. With `source` (the bytes they were decoded from, and the line each text is),
   * the worker is sent those bytes instead, which is much cheaper to post than many strings.
   */
  prepare(
    texts: string[],
    { rawHashes, hashNow, stored }: Required<Omit<PrepareJob, keyof PrepareLines>>,
    source?: { bytes: Buffer; lines: number[] },
  ): Promise<PreparedBatch> {
    if (this.failure) return Promise.reject(this.failure);
    const batch = this.next++;
    if (!this.ready) {
      if (batch > 0 && (this.threaded ??= roomForThread())) this.worker ??= this.start();
      return Promise.resolve(toPrepared(texts, prepareBatch({ texts, rawHashes, hashNow, stored }, this.local)));
    }
    const reply = new Promise<PrepareReply>((resolve, reject) => this.waiting.set(batch, { resolve, reject }));
    const lines: PrepareLines = source ? { bytes: source.bytes, lines: Uint32Array.from(source.lines) } : { texts };
    // Each element of an array is posted as a value of its own: what can go as bytes does, and what holds nothing is left out.
    this.worker!.postMessage({
      batch,
      rawHashes: rawHashes.some((hash) => hash !== undefined) ? rawHashes : undefined,
      hashNow: Uint8Array.from(hashNow, Number),
      stored: stored.some((payload) => typeof payload === 'string') ? stored : undefined,
      ...lines,
    } satisfies PrepareRequest);
    return reply.then(({ results }) => toPrepared(texts, results));
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

function toPrepared(texts: string[], results: PrepareResults): PreparedBatch {
  const storedHashes: (string | undefined)[] = [];
  const records = results.map((result, i): Prepared => {
    if (typeof result === 'string') return new RecordError(result);
    storedHashes[i] = result[5] ?? undefined;
    return { id: result[0], payload: result[1] ?? texts[i]!, hash: result[2] ?? undefined, rawHash: result[3], version: result[4] ?? undefined };
  });
  return { records, storedHashes };
}
