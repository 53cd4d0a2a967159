import { parentPort, workerData } from 'node:worker_threads';
import { IgnoreFields } from '../decisions/canonical.js';
import { prepareBatch, type PrepareReply, type PrepareRequest } from './preparer.js';

// Parses and hashes lines for a save on the second core while the main thread writes to SQLite.
const ignore = new IgnoreFields(workerData as string[]);

parentPort!.on('message', ({ batch, ...request }: PrepareRequest) => {
  parentPort!.postMessage({ batch, results: prepareBatch(request, ignore) } satisfies PrepareReply);
});
parentPort!.postMessage('ready');
