import type { PruneResult } from '../cache/types.js';
import { parseDuration } from '../decisions/duration.js';
import { RcacheError } from '../errors.js';
import { humanBytes } from '../terminal/bytes.js';
import { wantsColor } from '../terminal/color.js';
import { palette } from '../terminal/palette.js';
import { flagDataset, open, plural, UsageError, type GlobalOptions } from './context.js';

export interface PruneCommandOptions extends GlobalOptions {
  model?: string;
  payloadTtl: string;
  datasetTtl: string;
  untilCursor?: string;
  dryRun?: boolean;
  vacuum?: boolean;
  json?: boolean;
}

export async function prune(options: PruneCommandOptions): Promise<void> {
  const payloadTtl = parseDuration(options.payloadTtl, '--payload-ttl');
  const datasetTtl = parseDuration(options.datasetTtl, '--dataset-ttl');
  if (options.untilCursor !== undefined && options.model === undefined)
    throw new UsageError('--until-cursor needs --model: a cursor is a position in one dataset (add --model NAME)');
  const dataset = options.model === undefined ? undefined : flagDataset({ ...options, model: options.model });
  // A dry run only reads: it works where the database cannot be written.
  const cache = await open(options, options.dryRun === true, undefined, false);
  let result: PruneResult;
  try {
    if (options.untilCursor !== undefined) {
      const { count, reclaimedBytes, notReclaimed } = await cache.pruneUntil(dataset!, options.untilCursor, {
        dryRun: options.dryRun,
        compact: options.vacuum,
      });
      result = { pruned: count, datasetsExpired: 0, recordsDeleted: 0, reclaimedBytes, notReclaimed };
    } else {
      result = await cache.prune({ payloadTtl, datasetTtl, dataset, dryRun: options.dryRun, compact: options.vacuum });
    }
  } finally {
    await cache.close();
  }
  const { reclaimedBytes, notReclaimed } = result;
  if (options.json) {
    process.stdout.write(JSON.stringify({ pruned: result.pruned, datasets_expired: result.datasetsExpired, records_deleted: result.recordsDeleted }) + '\n');
  } else {
    const c = palette(wantsColor(process.stderr, options.color));
    const would = options.dryRun ? 'would be ' : '';
    const vacuumed = options.vacuum && !options.dryRun;
    const reclaimed = vacuumed ? `; ${notReclaimed === undefined ? `${humanBytes(reclaimedBytes)} of disk space reclaimed` : 'no disk space reclaimed'}` : '';
    process.stderr.write(
      `prune${options.dryRun ? ' (dry run, nothing changed)' : ''}: ${c.yellow(`${plural(result.pruned, 'payload')} ${would}pruned`)}, ` +
        `${c.red(`${plural(result.datasetsExpired, 'dataset')} ${would}expired`)} (${plural(result.recordsDeleted, 'record')} ${would}deleted)${reclaimed}\n`,
    );
  }
  // What was asked for was not all done: the prune stands, but the file is as large as before.
  if (notReclaimed !== undefined)
    throw new RcacheError(`the prune was saved, but the space it freed could not be given back to the file system: ${notReclaimed}`);
}
