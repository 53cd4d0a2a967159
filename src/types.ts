/** The records of one (integration, connection, model). */
export interface Dataset {
  integration: string;
  connection: string;
  model: string;
}

export const ACTIONS = ['ADDED', 'UPDATED', 'DELETED'] as const;
export type Action = (typeof ACTIONS)[number];

/** What a writing run did, counted in distinct ids (duplicates and rejected count lines). */
export interface Summary {
  added: number;
  updated: number;
  unchanged: number;
  deleted: number;
  unknown: number;
  duplicates: number;
  rejected: number;
}

export type RunKind = 'save' | 'delete' | 'update' | 'prune' | 'reset';

export function emptySummary(): Summary {
  return { added: 0, updated: 0, unchanged: 0, deleted: 0, unknown: 0, duplicates: 0, rejected: 0 };
}

/** How a run, a prune or a reset moves a dataset's kept counters. */
export interface CounterDelta {
  live: number;
  deleted: number;
  pruned: number;
  bytes: number;
}

/**
 * The stored hash of a record whose canonical hash was not computed when it was saved: it stands
 * for storedPayloadHash(payload) (src/decisions/hash.ts), which is computed and kept before the
 * payload is dropped.
 */
export const DEFERRED_HASH = '';
