import { endPosition } from '../cache/changes.js';
import { encodeCursor } from '../cache/cursor.js';
import { datasetOf, open, type DatasetOptions } from './context.js';
import { noticeUnknownDataset } from './records.js';

/** Prints the current end of the change stream: a cursor after which only later changes come. */
export async function cursor(options: DatasetOptions): Promise<void> {
  const dataset = datasetOf(options);
  const cache = open(options, true);
  try {
    noticeUnknownDataset(cache, dataset, options.db);
    process.stdout.write(encodeCursor(endPosition(cache)) + '\n');
  } finally {
    cache.close();
  }
}
