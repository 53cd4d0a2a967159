import { Worker } from 'node:worker_threads';
import { IgnoreFields } from './canonical.js';
import { RecordError, prepareRecord, type PreparedRecord } from './record.js';

export interface PrepareRequest {
  batch: number;
  texts: string[];
  rawHashes: (string | undefined)[];
  /** Per line: whether its hash is needed now; otherwise it is deferred where that is allowed. */
  hashNow: boolean[];
}

/** Per line: [id, payload or null when it is the text, hash or null when deferred, raw hash], or the reason the line is not a record. */
export type PrepareResults = ([string, string | null, string | null, string] | string)[];

export interface PrepareReply {
  batch: number;
  results: PrepareResults;
}

/** A line prepared off the main thread: the record, or the RecordError that `prepareRecord` threw. */
export type Prepared = PreparedRecord | RecordError;

/** Prepares a batch of lines, in a form that can be posted between threads. */
export function prepareBatch({ texts, rawHashes, hashNow }: Omit<PrepareRequest, 'batch'>, ignore: IgnoreFields): PrepareResults {
  return texts.map((text, i) => {
    try {
      const record = prepareRecord(text, ignore, { rawHash: rawHashes[i], deferHash: !hashNow[i] });
      // The payload is usually the text itself, which the main thread still has.
      return [record.id, record.payload === text ? null : record.payload, record.hash ?? null, record.rawHash];
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
  private readonly ignore: IgnoreFields;
  private worker: Worker | undefined;
  private ready = false;
  private readonly waiting = new Map<number, { resolve: (reply: PrepareReply) => void; reject: (error: Error) => void }>();
  private next = 0;
  private failure: Error | undefined;

  constructor(private readonly ignoreFields: readonly string[] = []) {
    this.ignore = new IgnoreFields(ignoreFields);
  }

  private start(): Worker {
    // A small young generation keeps the worker's memory flat: its garbage is short-lived strings.
    const worker = new Worker(new URL('./prepare-worker.js', import.meta.url), {
      workerData: [...this.ignoreFields],
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
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

  prepare(texts: string[], rawHashes: (string | undefined)[], hashNow: boolean[]): Promise<Prepared[]> {
    if (this.failure) return Promise.reject(this.failure);
    const batch = this.next++;
    const request = { texts, rawHashes, hashNow };
    if (!this.ready) {
      if (batch > 0) this.worker ??= this.start();
      return Promise.resolve(toPrepared(texts, prepareBatch(request, this.ignore)));
    }
    const reply = new Promise<PrepareReply>((resolve, reject) => this.waiting.set(batch, { resolve, reject }));
    this.worker!.postMessage({ batch, ...request } satisfies PrepareRequest);
    return reply.then(({ results }) => toPrepared(texts, results));
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

function toPrepared(texts: string[], results: PrepareResults): Prepared[] {
  return results.map((result, i) =>
    typeof result === 'string'
      ? new RecordError(result)
      : { id: result[0], payload: result[1] ?? texts[i]!, hash: result[2] ?? undefined, rawHash: result[3] },
  );
}
