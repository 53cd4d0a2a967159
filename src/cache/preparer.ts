import { Worker } from 'node:worker_threads';
import { RecordError, type PreparedRecord } from './record.js';

export interface PrepareRequest {
  batch: number;
  texts: string[];
  rawHashes: (string | undefined)[];
  /** Per line: whether its hash is needed now; otherwise it is deferred where that is allowed. */
  hashNow: boolean[];
}

export interface PrepareReply {
  batch: number;
  /** Per line: [id, payload or null when it is the text, hash or null when deferred, raw hash], or the reason the line is not a record. */
  results: ([string, string | null, string | null, string] | string)[];
}

/** A line prepared off the main thread: the record, or the RecordError that `prepareRecord` threw. */
export type Prepared = PreparedRecord | RecordError;

/** Prepares lines (parse, canonical hash) on a worker thread, batch by batch, in order. */
export class Preparer {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (reply: PrepareReply) => void; reject: (error: Error) => void }>();
  private next = 0;
  private failure: Error | undefined;

  constructor(ignoreFields: readonly string[] = []) {
    // A small young generation keeps the worker's memory flat: its garbage is short-lived strings.
    this.worker = new Worker(new URL('./prepare-worker.js', import.meta.url), {
      workerData: [...ignoreFields],
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    this.worker.on('message', (reply: PrepareReply) => {
      this.waiting.get(reply.batch)?.resolve(reply);
      this.waiting.delete(reply.batch);
    });
    this.worker.on('error', (error) => {
      this.failure = error;
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
    });
  }

  prepare(texts: string[], rawHashes: (string | undefined)[], hashNow: boolean[]): Promise<Prepared[]> {
    if (this.failure) return Promise.reject(this.failure);
    const batch = this.next++;
    const reply = new Promise<PrepareReply>((resolve, reject) => this.waiting.set(batch, { resolve, reject }));
    this.worker.postMessage({ batch, texts, rawHashes, hashNow } satisfies PrepareRequest);
    return reply.then(({ results }) =>
      results.map((result, i) =>
        typeof result === 'string'
          ? new RecordError(result)
          : { id: result[0], payload: result[1] ?? texts[i]!, hash: result[2] ?? undefined, rawHash: result[3] },
      ),
    );
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
