import { parentPort, workerData } from 'node:worker_threads';
import { readyRules, type LineRules } from './line-rules.js';
import { prepareBatch, type PrepareReply, type PrepareRequest } from './preparer.js';

// Parses and hashes lines for a save on the second core while the main thread writes to SQLite.
// The schema was compiled, and so checked, on the main thread before the worker was started.
const rules = await readyRules(workerData as LineRules, true);

parentPort!.on('message', ({ batch, ...request }: PrepareRequest) => {
  parentPort!.postMessage({ batch, results: prepareBatch(request, rules) } satisfies PrepareReply);
});
parentPort!.postMessage('ready');
