import { DeleteRun } from '../cache/delete.js';
import { RecordError, checkId, parseId } from '../cache/record.js';
import { UsageError } from '../errors.js';
import { datasetOf } from './context.js';
import { executeRun, feedInput, type InputOptions } from './run-command.js';

export async function remove(ids: string[], options: InputOptions): Promise<void> {
  await executeRun(
    options,
    (cache) => new DeleteRun(cache, datasetOf(options)),
    async (run, signal) => {
      if (ids.length === 0) return feedInput(run, ['-'], options, signal, (text) => run.write([parseId(text)]));
      const checked = ids.map(checkArgument);
      await run.acquire(signal);
      run.write(checked);
    },
  );
}

function checkArgument(id: string): string {
  try {
    return checkId(id);
  } catch (error) {
    throw error instanceof RecordError ? new UsageError(`invalid id argument: ${error.message}`) : error;
  }
}
