import { parentPort, workerData } from 'node:worker_threads';
import { IgnoreFields } from './canonical.js';
import { RecordError, prepareRecord } from './record.js';
import type { PrepareReply, PrepareRequest } from './preparer.js';

// Parses and hashes lines for a save on the second core while the main thread writes to SQLite.
const ignore = new IgnoreFields(workerData as string[]);

parentPort!.on('message', ({ batch, texts, rawHashes, hashNow }: PrepareRequest) => {
  const results: PrepareReply['results'] = texts.map((text, i) => {
    try {
      const record = prepareRecord(text, ignore, { rawHash: rawHashes[i], deferHash: !hashNow[i] });
      // The payload is usually the text itself, which the main thread still has.
      return [record.id, record.payload === text ? null : record.payload, record.hash ?? null, record.rawHash];
    } catch (error) {
      if (error instanceof RecordError) return error.message;
      throw error;
    }
  });
  parentPort!.postMessage({ batch, results } satisfies PrepareReply);
});
