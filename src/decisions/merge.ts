import { parseExact, stringifyOrdered } from './json-text.js';
import { METADATA_KEY, RecordError } from './record.js';

/** Objects merge key by key, recursively; arrays, scalars and null replace. */
export function deepMerge(target: unknown, patch: unknown): unknown {
  if (!(target instanceof Map) || !(patch instanceof Map)) return patch;
  const merged = new Map(target);
  for (const [key, value] of patch) merged.set(key, deepMerge(merged.get(key), value));
  return merged;
}

/** The stored payload with a partial record merged in (its id and metadata left out), or RecordError when either is too deep. */
export function mergePartial(stored: string, partial: string): string {
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
