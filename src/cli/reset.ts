import { emptySummary } from '../types.js';
import { flagDataset, open, type DatasetOptions } from './context.js';
import { reportSummary } from './run-command.js';

export async function reset(options: DatasetOptions & { json?: boolean }): Promise<void> {
  const startedAt = performance.now();
  const dataset = flagDataset(options);
  const cache = await open(options, false, undefined, false);
  try {
    const deleted = await cache.reset(dataset);
    if (deleted === undefined)
      process.stderr.write(
        `rcache: there is no dataset ${dataset.model} (integration ${dataset.integration}, connection ${dataset.connection}): nothing to reset\n`,
      );
    await reportSummary('reset', dataset, { ...emptySummary(), deleted: deleted ?? 0 }, options, startedAt);
  } finally {
    await cache.close();
  }
}
