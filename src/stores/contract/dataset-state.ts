import type { Dataset } from '../../types.js';

// What a dataset keeps besides its records: its checkpoint and its JSON Schema.

/** A dataset's checkpoint as a store keeps it. */
export interface StoredCheckpoint {
  /** Its JSON text (an object's), or null: never written, cleared, or cleared by a reset or an expiry. */
  text: string | null;
  /** How many times it was written (set or cleared): 0 when never. */
  version: number;
  /** When it was last written; null when never. */
  updatedAt: number | null;
}

export interface CheckpointWrite {
  /** The new JSON text, or null to clear it. */
  text: string | null;
  /** The time to keep as its updatedAt. */
  at: number;
  /** Write only when the stored version is this one. */
  expectVersion?: number;
}

/**
 * JSON Schemas kept by dataset names, as JSON text. A dataset's schema may be kept before it has
 * any record, and outlives its reset and its expiry.
 */
export interface Schemas {
  /** The dataset's schema; undefined when it has none. */
  get(dataset: Dataset): Promise<string | undefined>;
  /** Keeps `schema` for the dataset in place of any it had, or with undefined removes it; whether it had one. */
  set(dataset: Dataset, schema: string | undefined): Promise<boolean>;
  /** The datasets that have one, narrowed by every field given, ordered by integration, connection, model. */
  list(filter?: Partial<Dataset>): Promise<Dataset[]>;
}
