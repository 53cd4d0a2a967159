import { storedPayloadHash } from '../decisions/hash.js';
import { StoreError } from '../errors.js';
import type { Dataset, DatasetRef, MaintainedDataset, Maintenance, PayloadSelection, RunEntry, Store } from '../stores/store.js';
import { emptySummary, type CounterDelta } from '../types.js';
import { RunClock } from './clock.js';

/** Records whose payloads one round trip drops. */
const BATCH = 2000;

export interface PruneRequest {
  /** Payloads of records last modified at or before this time are dropped. */
  payloadCutoff: number;
  /** Datasets whose last save, delete or update (or, without one, last run) is at or before this time are hard-deleted. */
  datasetCutoff: number;
  /** Only this dataset; every dataset without it. */
  dataset?: Dataset;
  /** Count what would be pruned; write nothing (and need no write access). */
  dryRun: boolean;
  /** After the prune, give the space it freed back to the file system (see Store.compact). */
  compact?: boolean;
}

export interface Reclaimed {
  /** Bytes of storage given back to the file system or the server after the prune (0 without `compact`, or when it failed). */
  reclaimedBytes: number;
  /**
   * Why compacting failed (a full disk, a lock held), when it did. The prune was committed before:
   * its counts stand all the same, and the space it freed stays free inside the storage.
   */
  notReclaimed?: string;
}

export interface PruneCounts extends Reclaimed {
  pruned: number;
  datasetsExpired: number;
  recordsDeleted: number;
}

export interface PruneUntilCounts extends Reclaimed {
  count: number;
  hasMore: boolean;
}

/** A run of prune or reset for the history: it starts and ends at the time it stamps. */
function entry(kind: 'prune' | 'reset', at: number, counts: { deleted?: number; pruned?: number }): RunEntry {
  return { kind, ...emptySummary(), deleted: counts.deleted ?? 0, pruned: counts.pruned ?? 0, startedAt: at, finishedAt: at };
}

function counters(live: number, deleted: number, pruned: number, bytes: number): CounterDelta {
  return { live, deleted, pruned, bytes };
}

/** Whether a dataset had no save, delete or update (without one, no run) after the cutoff. */
function expired(dataset: MaintainedDataset, cutoff: number): boolean {
  const last = dataset.lastSyncAt ?? dataset.lastRunAt;
  return last === null || last <= cutoff;
}

/**
 * Drops the payloads of the selected records, up to `limit`, in position order, a batch at a
 * time; a deferred hash is computed from the payload first, so that the record keeps its hash.
 */
async function dropPayloads(work: Maintenance, dataset: DatasetRef, selection: PayloadSelection, limit = Number.POSITIVE_INFINITY) {
  let count = 0;
  let bytes = 0;
  let after = 0;
  while (count < limit) {
    const batch = await work.selectPayloads(dataset, selection, after, Math.min(BATCH, limit - count));
    if (batch.length === 0) break;
    const hashes: { rowid: number; hash: string }[] = [];
    for (const { rowid, size, deferredPayload } of batch) {
      if (deferredPayload !== undefined) hashes.push({ rowid, hash: storedPayloadHash(deferredPayload) });
      bytes += size;
    }
    const through = batch[batch.length - 1]!.position;
    await work.dropPayloads(dataset, selection, after, through, hashes);
    count += batch.length;
    after = through;
  }
  return { count, bytes, after };
}

/** Runs `work` to its commit; whatever fails rolls it back. */
async function maintain<T>(
  store: Store,
  datasets: Partial<Dataset> | undefined,
  readonly: boolean,
  clock: () => number,
  work: (m: Maintenance) => Promise<T>,
): Promise<T> {
  const maintenance = await store.beginMaintenance({ datasets, readonly, stamp: new RunClock(clock).stamp });
  try {
    const result = await work(maintenance);
    await maintenance.commit();
    return result;
  } finally {
    await maintenance.abort();
  }
}

/** Compacts after a committed prune, whose counts stand whatever becomes of the space. */
async function compactAfterPrune(store: Store, compact: boolean | undefined): Promise<Reclaimed> {
  if (!compact) return { reclaimedBytes: 0 };
  try {
    return { reclaimedBytes: await store.compact() };
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    return { reclaimedBytes: 0, notReclaimed: error.message };
  }
}

/**
 * Retention (SPEC §5), in one transaction: expires datasets past the dataset cutoff, and drops the
 * payloads past the payload cutoff in the others. Each dataset changed gets one 'prune' run.
 */
export async function prune(store: Store, clock: () => number, request: PruneRequest): Promise<PruneCounts> {
  const { dryRun } = request;
  const counts = await maintain(store, request.dataset, dryRun, clock, async (work) => {
    const result = { pruned: 0, datasetsExpired: 0, recordsDeleted: 0 };
    for (const dataset of work.datasets) {
      if (expired(dataset, request.datasetCutoff)) {
        const deleted = dryRun ? await work.countRecords(dataset) : await work.clearDataset(dataset, true);
        if (!dryRun) await work.clearCheckpoint?.(dataset);
        result.datasetsExpired++;
        result.recordsDeleted += deleted;
        // Its history stays, but there is no dataset left to count the run on.
        if (!dryRun) await work.appendRun(dataset, entry('prune', work.time, { deleted }));
        continue;
      }
      const selection = { modifiedUpTo: request.payloadCutoff };
      if (dryRun) {
        result.pruned += await work.countRecords(dataset, selection);
        continue;
      }
      const { count, bytes } = await dropPayloads(work, dataset, selection);
      result.pruned += count;
      if (count > 0) await work.appendRun(dataset, entry('prune', work.time, { pruned: count }), { delta: counters(0, 0, count, -bytes) });
    }
    return result;
  });
  return { ...counts, ...(dryRun ? { reclaimedBytes: 0 } : await compactAfterPrune(store, request.compact)) };
}

/**
 * Drops the payloads of a dataset's records with position <= `until`, at most `limit` of them in
 * position order; `hasMore` is exact. A dry run only counts. Never creates the dataset.
 */
export async function pruneUntil(
  store: Store,
  clock: () => number,
  dataset: Dataset,
  until: number,
  options: { limit?: number; dryRun: boolean; compact?: boolean },
): Promise<PruneUntilCounts> {
  const { limit, dryRun } = options;
  const selection = { positionUpTo: until };
  const counts = await maintain(store, dataset, dryRun, clock, async (work) => {
    const [ref] = work.datasets;
    if (ref === undefined) return { count: 0, hasMore: false };
    if (dryRun) {
      const left = await work.countRecords(ref, selection);
      const count = limit === undefined ? left : Math.min(left, limit);
      return { count, hasMore: left > count };
    }
    const { count, bytes, after } = await dropPayloads(work, ref, selection, limit);
    if (count > 0) await work.appendRun(ref, entry('prune', work.time, { pruned: count }), { delta: counters(0, 0, count, -bytes) });
    return { count, hasMore: (await work.selectPayloads(ref, selection, after, 1)).length > 0 };
  });
  return { ...counts, ...(dryRun ? { reclaimedBytes: 0 } : await compactAfterPrune(store, options.compact)) };
}

/**
 * Hard-deletes every record of the dataset, whose generation grows, recorded as a 'reset' run, and
 * clears its checkpoint: the number of records deleted, or undefined (nothing created) when there
 * was no such dataset, nor a checkpoint of it.
 */
export async function reset(store: Store, clock: () => number, dataset: Dataset): Promise<number | undefined> {
  return maintain(store, dataset, false, clock, async (work) => {
    const [ref] = work.datasets;
    const cleared = (await work.clearCheckpoint?.(dataset)) ?? false;
    if (ref === undefined) return cleared ? 0 : undefined;
    const deleted = await work.clearDataset(ref, false);
    await work.appendRun(ref, entry('reset', work.time, { deleted }), { delta: counters(-ref.live, -ref.deleted, -ref.pruned, -ref.bytes) });
    return deleted;
  });
}
