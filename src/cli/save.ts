import { IgnoreFields } from '../cache/canonical.js';
import { prepareRecord } from '../cache/record.js';
import { SaveRun } from '../cache/save.js';
import { readRecords } from '../io/input.js';
import { datasetOf, interruptible, open, reportSummary, type DatasetOptions } from './context.js';

export interface SaveOptions extends DatasetOptions {
  json?: boolean;
  ignoreField?: string[];
  skipInvalid?: boolean;
  rejects?: string;
}

export async function save(files: string[], options: SaveOptions): Promise<void> {
  const startedAt = performance.now();
  const dataset = datasetOf(options);
  const ignore = new IgnoreFields(options.ignoreField);
  const cache = open(options);
  const run = new SaveRun(cache, dataset);
  const interrupt = interruptible();
  try {
    await readRecords(
      { inputs: files, skipInvalid: options.skipInvalid, rejects: options.rejects, signal: interrupt.signal },
      (text) => prepareRecord(text, ignore),
      (records) => run.write(records),
      () => run.reject(),
    );
    reportSummary('save', dataset, run.commit(), options, startedAt);
  } finally {
    run.abort();
    interrupt.dispose();
    cache.close();
  }
}
