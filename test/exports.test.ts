// Every type that a public call takes or gives can be named from the package: a program writing
// its own wrapper, or its own store, never reaches into rcache's files. Checked by the compiler
// (npx tsc -p tsconfig.test.json); the test itself only loads the package's entry point.
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as rcache from '../src/index.js';
import type {
  Cache,
  CacheOptions,
  CacheRecord,
  Change,
  Checkpoint,
  CheckpointOptions,
  CheckpointReadOptions,
  ChangeQuery,
  ChangeReader,
  DatabaseInfo,
  Dataset,
  DatasetName,
  DatasetStats,
  FollowOptions,
  InferSchemaOptions,
  JsonSchema,
  PruneOptions,
  PruneResult,
  PruneUntilOptions,
  PruneUntilResult,
  ReadOptions,
  RecordSource,
  RunCount,
  RunQuery,
  RunRecord,
  SaveOptions,
  SaveResult,
  Store,
  StoreOpener,
  StoreOptions,
  WriteResult,
  UpdateOptions,
  WaitOptions,
  WaitResult,
  WriteOptions,
} from '../src/index.js';

describe('the package exports', () => {
  it('the types of every call of a Cache', () => {
    expectTypeOf<typeof rcache.openCache>().parameters.toEqualTypeOf<[string, CacheOptions?]>();
    expectTypeOf<Cache['info']>().returns.toEqualTypeOf<Promise<DatabaseInfo>>();
    expectTypeOf<Cache['save']>().parameters.toEqualTypeOf<[DatasetName, RecordSource, SaveOptions?]>();
    expectTypeOf<Cache['save']>().returns.toEqualTypeOf<Promise<SaveResult>>();
    expectTypeOf<Cache['delete']>().parameters.toEqualTypeOf<[DatasetName, { ids: readonly string[] } | RecordSource, WriteOptions?]>();
    expectTypeOf<Cache['update']>().parameters.toEqualTypeOf<[DatasetName, RecordSource, UpdateOptions?]>();
    expectTypeOf<Cache['update']>().returns.toEqualTypeOf<Promise<WriteResult>>();
    expectTypeOf<Cache['delete']>().returns.toEqualTypeOf<Promise<WriteResult>>();
    expectTypeOf<Cache['reader']>().parameters.toEqualTypeOf<[DatasetName, ChangeQuery?]>();
    expectTypeOf<Cache['reader']>().returns.toEqualTypeOf<Promise<ChangeReader>>();
    expectTypeOf<ChangeReader['next']>().returns.toEqualTypeOf<Promise<Change[]>>();
    expectTypeOf<Cache['record']>().returns.toEqualTypeOf<Promise<Change | undefined>>();
    // Of overloaded calls, the last (most general) signature.
    expectTypeOf<Parameters<Cache['changes']>>().toEqualTypeOf<[DatasetName, ReadOptions?]>();
    expectTypeOf<ReturnType<Cache['changes']>>().toEqualTypeOf<AsyncGenerator<CacheRecord | string>>();
    expectTypeOf<Parameters<Cache['follow']>>().toEqualTypeOf<[DatasetName, FollowOptions?]>();
    expectTypeOf<Cache['waitForCommit']>().parameters.toEqualTypeOf<[number, Partial<WaitOptions>?]>();
    expectTypeOf<Cache['waitForCommit']>().returns.toEqualTypeOf<Promise<WaitResult>>();
    expectTypeOf<Cache['prune']>().parameters.toEqualTypeOf<[PruneOptions]>();
    expectTypeOf<Cache['prune']>().returns.toEqualTypeOf<Promise<PruneResult>>();
    expectTypeOf<Cache['pruneUntil']>().parameters.toEqualTypeOf<[DatasetName, string, PruneUntilOptions?]>();
    expectTypeOf<Cache['pruneUntil']>().returns.toEqualTypeOf<Promise<PruneUntilResult>>();
    expectTypeOf<Cache['reset']>().returns.toEqualTypeOf<Promise<number | undefined>>();
    expectTypeOf<Cache['runCounts']>().returns.toEqualTypeOf<Promise<RunCount[]>>();
    expectTypeOf<Cache['stats']>().parameters.toEqualTypeOf<[Partial<Dataset>?]>();
    expectTypeOf<Cache['stats']>().returns.toEqualTypeOf<Promise<DatasetStats[]>>();
    expectTypeOf<Cache['schema']>().returns.toEqualTypeOf<Promise<JsonSchema | undefined>>();
    expectTypeOf<Cache['setSchema']>().parameters.toEqualTypeOf<[DatasetName, unknown]>();
    expectTypeOf<Cache['clearSchema']>().returns.toEqualTypeOf<Promise<boolean>>();
    expectTypeOf<Cache['inferSchema']>().parameters.toEqualTypeOf<[DatasetName, InferSchemaOptions?]>();
    expectTypeOf<Cache['inferSchema']>().returns.toEqualTypeOf<Promise<JsonSchema | undefined>>();
    expectTypeOf<Cache['runs']>().parameters.toEqualTypeOf<[Partial<RunQuery>?]>();
    expectTypeOf<Cache['runs']>().returns.toEqualTypeOf<Promise<RunRecord[]>>();
    expectTypeOf<StoreOpener>().toEqualTypeOf<(location: string, options: StoreOptions) => Promise<Store>>();
    expectTypeOf<Parameters<Cache['checkpoint']>>().toEqualTypeOf<[DatasetName, CheckpointReadOptions?]>();
    expectTypeOf<ReturnType<Cache['checkpoint']>>().toEqualTypeOf<Promise<Checkpoint<Record<string, unknown> | string>>>();
    expectTypeOf<Parameters<Cache['setCheckpoint']>>().toEqualTypeOf<[DatasetName, Record<string, unknown> | string, CheckpointOptions?]>();
    expectTypeOf<Parameters<Cache['clearCheckpoint']>>().toEqualTypeOf<[DatasetName, CheckpointOptions?]>();
    expectTypeOf<ReturnType<Cache['clearCheckpoint']>>().toEqualTypeOf<Promise<Checkpoint<Record<string, unknown> | string>>>();
    expect(Object.keys(rcache).sort()).toEqual([
      'Cache',
      'CheckpointConflictError',
      'CursorError',
      'DEFERRED_HASH',
      'DeletionLimitError',
      'EmptyRefreshError',
      'InputError',
      'InterruptedError',
      'InvalidArgumentError',
      'RcacheError',
      'ResyncRequiredError',
      'StoreError',
      'deliverWebhooks',
      'inferSchema',
      'openCache',
      'storedPayloadHash',
    ]);
  });
});
