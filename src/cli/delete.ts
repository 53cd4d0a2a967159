import { DeleteRun } from '../cache/delete.js';
import { RecordError, checkId, parseId } from '../cache/record.js';
import { UsageError } from '../errors.js';
import { readRecords } from '../io/input.js';
import { datasetOf, interruptible, open, reportSummary, type DatasetOptions } from './context.js';

export interface DeleteOptions extends DatasetOptions {
  json?: boolean;
  skipInvalid?: boolean;
  rejects?: string;
}

export async function remove(ids: string[], options: DeleteOptions): Promise<void> {
  const startedAt = performance.now();
  const dataset = datasetOf(options);
  const cache = open(options);
  const run = new DeleteRun(cache, dataset);
  const interrupt = interruptible();
  try {
    if (ids.length > 0) {
      run.write(ids.map(checkArgument));
    } else {
      await readRecords(
        { inputs: ['-'], skipInvalid: options.skipInvalid, rejects: options.rejects, signal: interrupt.signal },
        parseId,
        (batch) => run.write(batch),
        () => run.reject(),
      );
    }
    reportSummary('delete', dataset, run.commit(), options, startedAt);
  } finally {
    run.abort();
    interrupt.dispose();
    cache.close();
  }
}

function checkArgument(id: string): string {
  try {
    return checkId(id);
  } catch (error) {
    throw error instanceof RecordError ? new UsageError(`invalid id argument: ${error.message}`) : error;
  }
}
