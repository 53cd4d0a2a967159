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
} from './cache/cache.js';
export type { ChangeReader, ChangeQuery } from './cache/reader.js';
export type { RecordSource } from './io/sources.js';
export type { Action, Change, DatabaseInfo, Dataset, DatasetCounts, RunCount, RunRecord, Summary } from './stores/store.js';
export { RcacheError, InvalidArgumentError, CursorError, InputError, EmptyRefreshError, InterruptedError, StoreError, type StoreFailure } from './errors.js';
export { deliverWebhooks, type WebhookOptions } from './webhooks/webhooks.js';
export type { WebhookEvent } from './webhooks/deliverer.js';
export type { Webhook, SyncWebhook, ResyncWebhook } from './webhooks/payload.js';
export type { DeliveryState } from './stores/store.js';
