import { checkExpectVersion, checkpointText } from '../decisions/checkpoint.js';
import { CheckpointConflictError, InvalidArgumentError } from '../errors.js';
import type { QueuedStore } from '../stores/queued-store.js';
import type { Dataset, StoredCheckpoint } from '../stores/store.js';
import type { Checkpoint, WriteOptions } from './types.js';

export { checkpointText };

/** A checkpoint as the library gives it: parsed, or with `text` its JSON text. */
export function shapedCheckpoint(stored: StoredCheckpoint, text: boolean | undefined): Checkpoint<Record<string, unknown> | string> {
  const checkpoint = stored.text === null || text ? stored.text : (JSON.parse(stored.text) as Record<string, unknown>);
  return { checkpoint, version: stored.version, updatedAt: stored.updatedAt };
}

/** The checkpoint a write saves with its records, checked before anything is read; undefined without one. */
export function runCheckpoint(options: WriteOptions, store: QueuedStore): { text: string; expectVersion: number | undefined } | undefined {
  if (options.checkpoint === undefined) {
    if (options.expectVersion !== undefined) throw new InvalidArgumentError('applies only with a checkpoint, whose version it names', 'expectVersion', ' ');
    return undefined;
  }
  const text = checkpointText(options.checkpoint);
  const expectVersion = options.expectVersion === undefined ? undefined : checkExpectVersion(options.expectVersion);
  store.checkpointing(); // a store that keeps none refuses it here, before anything is read
  return { text, expectVersion };
}

/** Sets (text) or clears (null) a dataset's checkpoint alone, when its version is the one expected. */
export async function writeCheckpoint(
  store: QueuedStore,
  dataset: Dataset,
  text: string | null,
  at: number,
  expectVersion: number | undefined,
): Promise<StoredCheckpoint> {
  const expected = expectVersion === undefined ? undefined : checkExpectVersion(expectVersion);
  const { written, stored } = await store.writeCheckpoint(dataset, { text, at, expectVersion: expected });
  if (!written) throw new CheckpointConflictError(dataset, stored.version, expected!, 'the checkpoint was not changed');
  return stored;
}
