import { datasetOf } from './context.js';
import { executeRun, writeOptions, type InputOptions } from './run-command.js';
import { readSchemaFile } from './schema-file.js';

export interface UpdateOptions extends InputOptions {
  ignoreField?: string[];
  schema?: string;
}

export async function update(files: string[], options: UpdateOptions): Promise<void> {
  const schema = readSchemaFile(options.schema);
  await executeRun('update', options, (cache, signal) =>
    cache.update(datasetOf(options), { files }, { ...writeOptions(options, signal), ignoreFields: options.ignoreField, schema }),
  );
}
