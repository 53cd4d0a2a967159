import type { RecordsCache } from './cache.js';
import { IgnoreFields } from './canonical.js';
import { parseExact, stringifyOrdered } from './json-text.js';
import { DEFERRED_HASH, METADATA_KEY, RecordError, parseId, prepareRecord, storedPayloadHash } from './record.js';
import { Run } from './run.js';
import type { Action, Dataset } from './types.js';

/** A partial record: the fields to change in the stored record with this id. */
export interface Partial {
  id: string;
  text: string;
}

/** Reads one line of `update` input, or throws RecordError. */
export function preparePartial(text: string): Partial {
  return { id: parseId(text), text };
}

/** Objects merge key by key, recursively; arrays, scalars and null replace. */
export function deepMerge(target: unknown, patch: unknown): unknown {
  if (!(target instanceof Map) || !(patch instanceof Map)) return patch;
  const merged = new Map(target);
  for (const [key, value] of patch) merged.set(key, deepMerge(merged.get(key), value));
  return merged;
}

/** The stored payload with a partial merged in, or RecordError when either is too deep to merge. */
function merge(stored: string, partial: string): string {
  try {
    const patch = parseExact(partial, true) as Map<string, unknown>;
    patch.delete(METADATA_KEY);
    patch.delete('id');
    return stringifyOrdered(deepMerge(parseExact(stored, true), patch));
  } catch (error) {
    if (error instanceof RangeError) throw new RecordError('the record or the stored record is nested too deeply to merge');
    throw error;
  }
}

interface LiveRow {
  rowid: number;
  seq: number;
  action: Action;
  hash: string;
  payload: string | null;
  size: number;
  deleted_at: number | null;
}

/**
 * An `update` run: partial records deep-merged into live records. The merged payload is hashed
 * like a saved one, so saving the same content later is unchanged.
 */
export class UpdateRun extends Run {
  constructor(
    cache: RecordsCache,
    dataset: Dataset,
    private readonly ignore = new IgnoreFields(),
  ) {
    super(cache, 'update', dataset);
  }

  write(partials: readonly Partial[]): void {
    if (partials.length === 0) return;
    this.begin();
    const select = this.cache.statement('SELECT rowid, seq, action, hash, payload, size, deleted_at FROM records WHERE dataset_id = ? AND id = ?');
    for (const partial of partials) this.apply(partial, select.get(this.datasetId, partial.id) as LiveRow | undefined);
  }

  private apply(partial: Partial, row: LiveRow | undefined): void {
    const duplicate = this.see(partial.id);
    // Deleted records are not revived by a partial, and a pruned one has no payload to merge into.
    if (row === undefined || row.deleted_at !== null || row.payload === null) {
      this.countOutcome('unknown', duplicate, false);
      return;
    }
    const record = prepareRecord(merge(row.payload, partial.text), this.ignore);
    const changedInRun = row.seq > this.startSeq;
    if (record.hash === (row.hash === DEFERRED_HASH ? storedPayloadHash(row.payload) : row.hash)) {
      this.countOutcome('unchanged', duplicate, changedInRun);
      return;
    }
    const action = changedInRun && row.action === 'ADDED' ? 'ADDED' : 'UPDATED';
    const size = Buffer.byteLength(record.payload);
    this.cache
      .statement('UPDATE records SET seq = ?, action = ?, hash = ?, raw_hash = ?, payload = ?, size = ?, last_modified_at = ? WHERE rowid = ?')
      .run(this.nextSeq(), action, record.hash, record.rawHash, record.payload, size, this.time, row.rowid);
    this.delta.bytes += size - row.size;
    this.countOutcome(action === 'ADDED' ? 'added' : 'updated', duplicate, changedInRun);
  }
}
