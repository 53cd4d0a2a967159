import { closest } from '../decisions/distance.js';
import { InvalidArgumentError } from '../errors.js';
import type { RunQuery, WaitOptions } from '../stores/store.js';
import type { ChangeQuery } from './reader.js';
import type {
  CacheOptions,
  CheckpointOptions,
  CheckpointReadOptions,
  FollowOptions,
  InferSchemaOptions,
  PruneOptions,
  PruneUntilOptions,
  ReadOptions,
  SaveOptions,
  UpdateOptions,
  WriteOptions,
} from './types.js';

/** Every name of an options type, and no other: the compiler holds each list to its type. */
type Names<T> = Record<keyof T, true>;

const WRITE: Names<WriteOptions> = {
  skipInvalid: true,
  rejects: true,
  onWarning: true,
  onProgress: true,
  signal: true,
  unlessModifiedAfter: true,
  checkpoint: true,
  expectVersion: true,
};
const QUERY: Names<ChangeQuery> = { cursor: true, actions: true, ids: true, modifiedAfter: true, fromEnd: true, order: true, span: true };
const READ: Names<ReadOptions> = { ...QUERY, limit: true, text: true };

/** The options each call of the library takes, by the call's name. */
export const OPTIONS = {
  openCache: { readonly: true, create: true, busyTimeout: true, now: true, stores: true } satisfies Names<CacheOptions>,
  save: { ...WRITE, ignoreFields: true, fullRefresh: true, allowEmpty: true, maxDelete: true, versionField: true, schema: true } satisfies Names<SaveOptions>,
  delete: WRITE,
  update: { ...WRITE, ignoreFields: true, schema: true } satisfies Names<UpdateOptions>,
  reader: QUERY,
  changes: READ,
  follow: { ...READ, interval: true, signal: true } satisfies Names<FollowOptions>,
  prune: { payloadTtl: true, datasetTtl: true, dataset: true, dryRun: true, compact: true } satisfies Names<PruneOptions>,
  pruneUntil: { limit: true, dryRun: true, compact: true } satisfies Names<PruneUntilOptions>,
  runs: { dataset: true, since: true, after: true, limit: true, order: true } satisfies Names<RunQuery>,
  waitForCommit: { interval: true, signal: true, stop: true } satisfies Names<WaitOptions>,
  checkpoint: { text: true } satisfies Names<CheckpointReadOptions>,
  setCheckpoint: { expectVersion: true, text: true } satisfies Names<CheckpointOptions>,
  clearCheckpoint: { expectVersion: true, text: true } satisfies Names<CheckpointOptions>,
  inferSchema: { signal: true } satisfies Names<InferSchemaOptions>,
};

/**
 * Refuses options that are not an object, or that name an option `call` does not take: a
 * misspelled one would otherwise be ignored without a word (`readOnly` for `readonly`).
 */
export function checkOptions(options: unknown, call: keyof typeof OPTIONS): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(
      `must be an object, not ${Array.isArray(options) ? 'an array' : options === null ? 'null' : typeof options}`,
      `the options of ${call}`,
      ' ',
    );
  }
  const known = Object.keys(OPTIONS[call]);
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const meant = closest(name, known);
    const hint = meant === undefined ? ` (its options: ${known.join(', ')})` : `: did you mean ${meant}?`;
    throw new InvalidArgumentError(`is not an option of ${call}${hint}`, name, ' ');
  }
}
