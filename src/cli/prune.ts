import { decodeCursor } from '../cache/cursor.js';
import { parseDuration } from '../cache/duration.js';
import { countUntil, prune as pruneCache, pruneUntil, type PruneResult } from '../cache/prune.js';
import { UsageError } from '../errors.js';
import { wantsColor } from '../io/color.js';
import { palette } from '../io/palette.js';
import { datasetOf, open, plural, type GlobalOptions } from './context.js';

export interface PruneOptions extends GlobalOptions {
  model?: string;
  payloadTtl: string;
  datasetTtl: string;
  untilCursor?: string;
  dryRun?: boolean;
  json?: boolean;
}

export async function prune(options: PruneOptions): Promise<void> {
  const payloadTtl = parseDuration(options.payloadTtl, '--payload-ttl');
  const datasetTtl = parseDuration(options.datasetTtl, '--dataset-ttl');
  if (options.untilCursor !== undefined && options.model === undefined) throw new UsageError('--until-cursor needs --model: a cursor is a position in one dataset (add --model NAME)');
  const dataset = options.model === undefined ? undefined : datasetOf({ ...options, model: options.model });
  const cache = open(options);
  let result: PruneResult;
  try {
    if (options.untilCursor !== undefined) {
      const until = decodeCursor(options.untilCursor);
      const count = options.dryRun ? countUntil(cache, dataset!, until) : pruneUntil(cache, dataset!, until).count;
      result = { pruned: count, datasets_expired: 0, records_deleted: 0 };
    } else {
      result = pruneCache(cache, { payloadTtl, datasetTtl, dataset, dryRun: options.dryRun });
    }
  } finally {
    cache.close();
  }
  if (options.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const c = palette(wantsColor(process.stderr, options.color));
  const would = options.dryRun ? 'would be ' : '';
  process.stderr.write(
    `prune${options.dryRun ? ' (dry run, nothing changed)' : ''}: ${c.yellow(`${plural(result.pruned, 'payload')} ${would}pruned`)}, ` +
      `${c.red(`${plural(result.datasets_expired, 'dataset')} ${would}expired`)} (${plural(result.records_deleted, 'record')} ${would}deleted)\n`,
  );
}

