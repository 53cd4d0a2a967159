import { checkId, RecordError } from '../decisions/record.js';
import { flagDataset, UsageError } from './context.js';
import { executeRun, writeOptions, type InputOptions } from './run-command.js';

export async function remove(ids: string[], options: InputOptions): Promise<void> {
  const checked = ids.map(checkArgument);
  await executeRun('delete', options, (cache, signal) =>
    cache.delete(flagDataset(options), checked.length === 0 ? { files: ['-'] } : { ids: checked }, writeOptions(options, signal)),
  );
}

function checkArgument(id: string): string {
  try {
    return checkId(id);
  } catch (error) {
    throw error instanceof RecordError ? new UsageError(`invalid id argument: ${error.message}`) : error;
  }
}
