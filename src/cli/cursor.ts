import { flagDataset, open, type DatasetOptions } from './context.js';
import { noticeUnknownDataset } from './records.js';
import { displayLocation } from '../stores/open.js';

/** Prints the current end of the change stream: a cursor after which only later changes come. */
export async function cursor(options: DatasetOptions): Promise<void> {
  const dataset = flagDataset(options);
  const cache = await open(options, true);
  try {
    await noticeUnknownDataset(cache, dataset, displayLocation(options.db));
    const reader = await cache.reader(dataset, { fromEnd: true });
    process.stdout.write(reader.cursorOf(reader.position ?? 0) + '\n');
  } finally {
    await cache.close();
  }
}
