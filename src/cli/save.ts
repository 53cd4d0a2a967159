import { IgnoreFields } from '../cache/canonical.js';
import { SaveRun } from '../cache/save.js';
import { datasetOf, executeRun, feedInput, type InputOptions } from './context.js';

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
    (run, signal) => feedInput(run, files, options, signal, (text) => run.writeLine(text)),
  );
  if (run.deletionSkipped) {
    process.stderr.write(`rcache: ${run.summary.rejected} lines were rejected, so --full-refresh deleted nothing (their records would have been lost)\n`);
  }
}
