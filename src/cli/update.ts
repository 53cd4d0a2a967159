import { flagDataset } from './context.js';
import { executeRun, writeOptions, type InputOptions } from './run-command.js';
import { readSchemaFile } from './schema-file.js';

export interface UpdateCommandOptions extends InputOptions {
  ignoreField?: string[];
  schema?: string;
}

export async function update(files: string[], options: UpdateCommandOptions): Promise<void> {
  const schema = readSchemaFile(options.schema);
  await executeRun('update', options, (cache, signal) =>
    cache.update(flagDataset(options), { files }, { ...writeOptions(options, signal), ignoreFields: options.ignoreField, schema }),
  );
}
