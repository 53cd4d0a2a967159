import { flagDataset } from './context.js';
import { executeRun, writeOptions, type InputOptions } from './run-command.js';

export interface UpdateCommandOptions extends InputOptions {
  ignoreField?: string[];
}

export async function update(files: string[], options: UpdateCommandOptions): Promise<void> {
  await executeRun('update', options, (cache, signal) =>
    cache.update(flagDataset(options), { files }, { ...writeOptions(options, signal), ignoreFields: options.ignoreField }),
  );
}
