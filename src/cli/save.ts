import { IgnoreFields } from '../cache/canonical.js';
import { SaveRun } from '../cache/save.js';
import { saveInput } from '../io/save-pipeline.js';
import { datasetOf } from './context.js';
import { executeRun, type InputOptions } from './run-command.js';

export interface SaveOptions extends InputOptions {
  ignoreField?: string[];
  fullRefresh?: boolean;
  allowEmpty?: boolean;
}

export async function save(files: string[], options: SaveOptions): Promise<void> {
  const ignore = new IgnoreFields(options.ignoreField);
  const run = await executeRun(
    options,
    (cache) => new SaveRun(cache, datasetOf(options), { fullRefresh: options.fullRefresh, allowEmpty: options.allowEmpty }, ignore),
    (run, signal) =>
      saveInput(run, options.ignoreField ?? [], { inputs: files, skipInvalid: options.skipInvalid, rejects: options.rejects, signal }),
  );
  if (run.deletionSkipped) {
    const rejected = run.summary.rejected === 1 ? '1 line was' : `${run.summary.rejected} lines were`;
    process.stderr.write(`rcache: ${rejected} rejected, so --full-refresh deleted nothing (their records would have been lost)\n`);
  }
}
