import { reset as resetDataset } from '../cache/prune.js';
import { emptySummary } from '../cache/types.js';
import { datasetOf, open, type DatasetOptions } from './context.js';
import { reportSummary } from './run-command.js';

export async function reset(options: DatasetOptions & { json?: boolean }): Promise<void> {
  const startedAt = performance.now();
  const dataset = datasetOf(options);
  const cache = open(options);
  try {
    const deleted = resetDataset(cache, dataset);
    await reportSummary('reset', dataset, { ...emptySummary(), deleted }, options, startedAt);
  } finally {
    cache.close();
  }
}
