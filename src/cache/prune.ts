import type { RecordsCache } from './cache.js';
import { DEFERRED_HASH, storedPayloadHash } from './record.js';
import { recordRun } from './run.js';
import { now } from './time.js';
import type { Dataset } from './types.js';

export const DAY = 24 * 60 * 60 * 1000;

export interface PruneOptions {
  /** Drop the payload of records not changed for this long (ms). */
  payloadTtl: number;
  /** Hard-delete datasets with no save, delete or update run for this long (ms). */
  datasetTtl: number;
  /** Only this dataset; every dataset without it. */
  dataset?: Dataset;
  /** Count what would be pruned, change nothing. */
  dryRun?: boolean;
}

export interface PruneResult {
  pruned: number;
  datasets_expired: number;
  records_deleted: number;
}

interface DatasetRow extends Dataset {
  id: number;
  last_active_at: number | null;
}

/** Runs `work` in one write transaction. */
function transaction<T>(cache: RecordsCache, work: () => T): T {
  cache.db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    cache.db.exec('COMMIT');
    return result;
  } catch (error) {
    if (cache.db.inTransaction) cache.db.exec('ROLLBACK');
    throw error;
  }
}

const withHashFunction = new WeakSet<RecordsCache>();

/** SQL function `payload_hash(payload)`: the hash a deferred hash stands for, to be kept once the payload goes. */
function defineHashFunction(cache: RecordsCache): void {
  if (withHashFunction.has(cache)) return;
  cache.db.function('payload_hash', { deterministic: true }, (payload) => storedPayloadHash(payload as string));
  withHashFunction.add(cache);
}

/**
 * Drops the payloads selected by `where` (over `records`) in one dataset, keeping its counters
 * exact. A deferred hash is computed first: the record keeps its hash without its payload.
 */
function dropPayloads(cache: RecordsCache, datasetId: number, where: string, params: unknown[], at: number): number {
  const { count, bytes } = cache
    .statement(`SELECT count(*) AS count, coalesce(sum(size), 0) AS bytes FROM records WHERE dataset_id = ? AND pruned_at IS NULL AND ${where}`)
    .get(datasetId, ...params) as { count: number; bytes: number };
  if (count === 0) return 0;
  defineHashFunction(cache);
  cache
    .statement(
      `UPDATE records SET hash = iif(hash = '${DEFERRED_HASH}', payload_hash(payload), hash), payload = NULL, pruned_at = ?
       WHERE dataset_id = ? AND pruned_at IS NULL AND ${where}`,
    )
    .run(at, datasetId, ...params);
  cache.statement('UPDATE datasets SET pruned = pruned + ?, bytes = bytes - ? WHERE id = ?').run(count, bytes, datasetId);
  return count;
}

/** Deletes every record of a dataset; with `dropDataset` the dataset itself goes too. Returns the count. */
function deleteRecords(cache: RecordsCache, datasetId: number, dropDataset: boolean): number {
  const { changes } = cache.statement('DELETE FROM records WHERE dataset_id = ?').run(datasetId);
  if (dropDataset) cache.statement('DELETE FROM datasets WHERE id = ?').run(datasetId);
  else cache.statement('UPDATE datasets SET live = 0, deleted = 0, pruned = 0, bytes = 0 WHERE id = ?').run(datasetId);
  return changes;
}

/** Retention: payload TTL and dataset TTL, measured against the clock (or RCACHE_NOW). */
export function prune(cache: RecordsCache, options: PruneOptions): PruneResult {
  const at = now();
  const payloadCutoff = at - options.payloadTtl;
  const datasetCutoff = at - options.datasetTtl;
  const result: PruneResult = { pruned: 0, datasets_expired: 0, records_deleted: 0 };
  const work = () => {
    let sql = `SELECT id, integration, connection, model, coalesce(last_sync_at, last_run_at) AS last_active_at FROM datasets`;
    if (options.dataset) sql += ' WHERE integration = ? AND connection = ? AND model = ?';
    const params = options.dataset ? [options.dataset.integration, options.dataset.connection, options.dataset.model] : [];
    const datasets = cache.statement(sql).all(...params) as DatasetRow[];
    for (const dataset of datasets) {
      if (dataset.last_active_at === null || dataset.last_active_at <= datasetCutoff) {
        const count = options.dryRun
          ? (cache.statement('SELECT count(*) FROM records WHERE dataset_id = ?').pluck().get(dataset.id) as number)
          : deleteRecords(cache, dataset.id, true);
        result.datasets_expired++;
        result.records_deleted += count;
        if (!options.dryRun) recordRun(cache, 'prune', dataset, at, now(), { deleted: count });
        continue;
      }
      const count = options.dryRun
        ? (cache
            .statement('SELECT count(*) FROM records WHERE dataset_id = ? AND pruned_at IS NULL AND last_modified_at <= ?')
            .pluck()
            .get(dataset.id, payloadCutoff) as number)
        : dropPayloads(cache, dataset.id, 'last_modified_at <= ?', [payloadCutoff], at);
      result.pruned += count;
      if (count > 0 && !options.dryRun) recordRun(cache, 'prune', dataset, at, now(), { pruned: count });
    }
    return result;
  };
  return options.dryRun ? work() : transaction(cache, work);
}

/**
 * Drops the payloads of a dataset's records up to and including change position `untilSeq`, for a
 * consumer that has processed them; at most `limit` records when given. Pruning is not a change.
 */
export function pruneUntil(cache: RecordsCache, dataset: Dataset, untilSeq: number, limit?: number): { count: number; hasMore: boolean } {
  const datasetId = cache.datasetId(dataset);
  if (datasetId === undefined) return { count: 0, hasMore: false };
  const at = now();
  return transaction(cache, () => {
    const count =
      limit === undefined
        ? dropPayloads(cache, datasetId, 'seq <= ?', [untilSeq], at)
        : dropPayloads(
            cache,
            datasetId,
            'rowid IN (SELECT rowid FROM records WHERE dataset_id = ? AND pruned_at IS NULL AND seq <= ? ORDER BY seq LIMIT ?)',
            [datasetId, untilSeq, limit],
            at,
          );
    const hasMore =
      cache.statement('SELECT 1 FROM records WHERE dataset_id = ? AND pruned_at IS NULL AND seq <= ? LIMIT 1').get(datasetId, untilSeq) !== undefined;
    if (count > 0) recordRun(cache, 'prune', dataset, at, now(), { pruned: count });
    return { count, hasMore };
  });
}

/** How many records of a dataset `pruneUntil` would prune: those up to `untilSeq` that still have a payload. */
export function countUntil(cache: RecordsCache, dataset: Dataset, untilSeq: number): number {
  const datasetId = cache.datasetId(dataset);
  if (datasetId === undefined) return 0;
  return cache.statement('SELECT count(*) FROM records WHERE dataset_id = ? AND pruned_at IS NULL AND seq <= ?').pluck().get(datasetId, untilSeq) as number;
}

/** Hard-deletes every record of a dataset (a re-sync from scratch); recorded as a run. */
export function reset(cache: RecordsCache, dataset: Dataset): number {
  const startedAt = now();
  return transaction(cache, () => {
    const datasetId = cache.ensureDataset(dataset);
    const count = deleteRecords(cache, datasetId, false);
    recordRun(cache, 'reset', dataset, startedAt, now(), { deleted: count });
    return count;
  });
}
