import type { SaveResult } from '../cache/types.js';
import { inputSize, Progress } from '../terminal/progress.js';
import { count, percent } from '../words.js';
import { flagDataset } from './context.js';
import { executeRun, writeOptions, type InputOptions } from './run-command.js';
import { readSchemaFile } from './schema-file.js';

export interface SaveCommandOptions extends InputOptions {
  ignoreField?: string[];
  fullRefresh?: boolean;
  allowEmpty?: boolean;
  maxDelete?: string;
  versionField?: string;
  schema?: string;
}

export async function save(files: string[], options: SaveCommandOptions): Promise<void> {
  const schema = readSchemaFile(options.schema);
  const progress = new Progress(process.stderr, 'saving', undefined, inputSize(files));
  const result = await executeRun(
    'save',
    options,
    async (cache, signal) => {
      try {
        return await cache.save(
          flagDataset(options),
          { files },
          {
            ...writeOptions(options, signal),
            ignoreFields: options.ignoreField,
            fullRefresh: options.fullRefresh,
            allowEmpty: options.allowEmpty,
            maxDelete: options.maxDelete,
            versionField: options.versionField,
            schema,
            onProgress: (lines, bytes) => progress.update(lines, bytes),
          },
        );
      } finally {
        progress.done();
      }
    },
    shareDeleted,
  );
  if (result.deletionSkipped) {
    const rejected = result.rejected === 1 ? '1 line was' : `${count(result.rejected)} lines were`;
    process.stderr.write(`rcache: ${rejected} rejected, so --full-refresh deleted nothing (their records would have been lost)\n`);
  }
}

/** A full refresh says what share of the dataset it deleted. */
function shareDeleted(result: SaveResult) {
  return result.liveBefore === undefined ? {} : { deleted: `(${percent(result.deleted, result.liveBefore)} of ${result.liveBefore} live)` };
}
