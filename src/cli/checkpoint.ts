import type { Checkpoint } from '../cache/types.js';
import { checkpointText } from '../decisions/checkpoint.js';
import { iso } from '../decisions/time.js';
import { InvalidArgumentError, StoreError } from '../errors.js';
import { displayLocation } from '../stores/open.js';
import { flagDataset, open, parseCount, UsageError, type DatasetOptions } from './context.js';
import { noticeUnknownDataset } from './records.js';
import type { Dataset } from '../types.js';

export interface CheckpointCommandOptions extends DatasetOptions {
  set?: string;
  clear?: boolean;
  expectVersion?: string;
}

/** One JSON line; the checkpoint as it is stored, so that its numbers keep every digit. */
function print(state: Checkpoint<string>): void {
  process.stdout.write(`{"checkpoint":${state.checkpoint ?? 'null'},"version":${state.version},"updated_at":${JSON.stringify(iso(state.updatedAt))}}\n`);
}

/** Prints the dataset's checkpoint, or sets or clears it alone and prints what it is then. */
export async function checkpoint(options: CheckpointCommandOptions): Promise<void> {
  const dataset = flagDataset(options);
  if (options.set !== undefined && options.clear) throw new UsageError('--set and --clear cannot be used together: choose one');
  const writing = options.set !== undefined || options.clear === true;
  if (options.expectVersion !== undefined && !writing) throw new UsageError('--expect-version only applies with --set or --clear: add one of them');
  const expectVersion = options.expectVersion === undefined ? undefined : parseCount(options.expectVersion, '--expect-version', 0);
  if (options.set !== undefined) {
    try {
      checkpointText(options.set);
    } catch (error) {
      throw error instanceof InvalidArgumentError ? new UsageError(`--set ${error.reason}`) : error;
    }
  }
  if (!writing) return read(options, dataset);
  // Clearing never creates a database, as no command that only removes does.
  const cache = await open(options, false, undefined, options.set !== undefined);
  try {
    const given = { expectVersion, text: true } as const;
    print(options.set === undefined ? await cache.clearCheckpoint(dataset, given) : await cache.setCheckpoint(dataset, options.set, given));
  } finally {
    await cache.close();
  }
}

async function read(options: CheckpointCommandOptions, dataset: Dataset): Promise<void> {
  let cache: Awaited<ReturnType<typeof open>>;
  try {
    cache = await open(options, true);
  } catch (error) {
    // Where nothing was saved yet there is no checkpoint: a sync starting from scratch reads version 0.
    if (!(error instanceof StoreError) || error.kind !== 'missing') throw error;
    process.stderr.write(`rcache: ${error.message}: no checkpoint yet\n`);
    print({ checkpoint: null, version: 0, updatedAt: null });
    return;
  }
  try {
    const state = await cache.checkpoint(dataset, { text: true });
    if (state.version === 0) await noticeUnknownDataset(cache, dataset, displayLocation(options.db));
    print(state);
  } finally {
    await cache.close();
  }
}
