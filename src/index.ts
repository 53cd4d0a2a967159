export {
  openCache,
  Cache,
  type CacheOptions,
  type CacheRecord,
  type DatasetName,
  type FollowOptions,
  type PruneOptions,
  type PruneResult,
  type ReadOptions,
  type SaveOptions,
  type SaveResult,
  type UpdateOptions,
  type WriteOptions,
  type WriteResult,
} from './cache/cache.js';
export { inferSchema } from './schema/infer.js';
export type { ChangeReader, ChangeQuery } from './cache/reader.js';
export type { RecordSource } from './io/sources.js';
export type { Action, Change, DatabaseInfo, Dataset, DatasetCounts, RunCount, RunRecord, Summary } from './stores/store.js';
export { RcacheError, InvalidArgumentError, CursorError, InputError, EmptyRefreshError, DeletionLimitError, InterruptedError, StoreError, type StoreFailure } from './errors.js';
