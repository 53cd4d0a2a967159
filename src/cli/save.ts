import { Progress } from '../io/progress.js';
import { datasetOf } from './context.js';
import { executeRun, writeOptions, type InputOptions } from './run-command.js';

export interface SaveOptions extends InputOptions {
  ignoreField?: string[];
  fullRefresh?: boolean;
  allowEmpty?: boolean;
}

export async function save(files: string[], options: SaveOptions): Promise<void> {
  const progress = new Progress(process.stderr, 'saving');
  const result = await executeRun('save', options, async (cache, signal) => {
    try {
      return await cache.save(datasetOf(options), { files }, {
        ...writeOptions(options, signal),
        ignoreFields: options.ignoreField,
        fullRefresh: options.fullRefresh,
        allowEmpty: options.allowEmpty,
        onProgress: (lines) => progress.update(lines),
      });
    } finally {
      progress.done();
    }
  });
  if (result.deletionSkipped) {
    process.stderr.write(`rcache: ${result.rejected} lines were rejected, so --full-refresh deleted nothing (their records would have been lost)\n`);
  }
}
