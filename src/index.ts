// The library: open a cache, then save, delete, update, read and follow its records.
export { openCache, Cache } from './cache/cache.js';
// Every option and result type of the Cache's methods.
export type * from './cache/types.js';
export { inferSchema } from './schema/infer.js';
export type { DatasetName } from './decisions/dataset.js';
export type { ChangeReader, ChangeQuery } from './cache/reader.js';
export type { RecordSource } from './input/sources.js';
export type { Action, Dataset, RunKind, Summary } from './types.js';
export type { Change, DatabaseInfo, DatasetCounts, RunCount, RunQuery, RunRecord, WaitOptions, WaitResult } from './stores/store.js';

// A program's own store, registered with openCache(location, { stores: { 'scheme:': opener } }).
export type { StoreOpener, StoreOpeners } from './stores/open.js';
export { DEFERRED_HASH } from './stores/store.js';
export { storedPayloadHash } from './decisions/hash.js';
export type {
  BeginOptions,
  ChangePage,
  CheckpointWrite,
  CounterDelta,
  DatasetMove,
  DatasetRef,
  DatasetRunCount,
  Deliveries,
  DeliveryHold,
  MaintainedDataset,
  Maintenance,
  MaintenanceOptions,
  PayloadSelection,
  RunAfter,
  RunEntry,
  RunsAfter,
  SelectedRecord,
  Stamp,
  Store,
  StoredCheckpoint,
  StoredRecord,
  StoreOptions,
  WriteOp,
  WriteRun,
} from './stores/store.js';

export {
  RcacheError,
  InvalidArgumentError,
  CursorError,
  InputError,
  EmptyRefreshError,
  DeletionLimitError,
  InterruptedError,
  ResyncRequiredError,
  CheckpointConflictError,
  StoreError,
  type StoreFailure,
} from './errors.js';
export { deliverWebhooks, type WebhookOptions } from './webhooks/webhooks.js';
export type { WebhookEvent } from './webhooks/deliverer.js';
export type { Webhook, SyncWebhook, ResyncWebhook } from './webhooks/payload.js';
export type { DeliveryState } from './stores/store.js';
export type { Schemas } from './stores/store.js';
