import { IgnoreFields } from '../cache/canonical.js';
import { UpdateRun, preparePartial } from '../cache/update.js';
import { datasetOf } from './context.js';
import { executeRun, feedInput, type InputOptions } from './run-command.js';

export interface UpdateOptions extends InputOptions {
  ignoreField?: string[];
}

export async function update(files: string[], options: UpdateOptions): Promise<void> {
  await executeRun(
    options,
    (cache) => new UpdateRun(cache, datasetOf(options), new IgnoreFields(options.ignoreField)),
    (run, signal) => feedInput(run, files, options, signal, (text) => run.write([preparePartial(text)])),
  );
}
