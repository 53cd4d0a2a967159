import { iso } from '../decisions/time.js';
import type { Change } from '../stores/store.js';
import type { Output } from './output.js';

/** The `_nango_metadata` object of a change, as JSON text. */
function metadata(change: Change, cursor: string): string {
  const deletedAt = change.deletedAt === null ? 'null' : `"${iso(change.deletedAt)}"`;
  const prunedAt = change.prunedAt === null ? 'null' : `"${iso(change.prunedAt)}"`;
  return (
    `{"first_seen_at":"${iso(change.firstSeenAt)}","last_modified_at":"${iso(change.lastModifiedAt)}",` +
    `"last_action":"${change.action}","deleted_at":${deletedAt},"pruned_at":${prunedAt},"cursor":"${cursor}"}`
  );
}

/** One record of the stream as JSON text: the payload as stored, with `_nango_metadata` last. */
export function recordJson(change: Change, cursor: string): string {
  const meta = metadata(change, cursor);
  if (change.payload === null) return `{"id":${JSON.stringify(change.id)},"_nango_metadata":${meta}}`;
  return `${change.payload.slice(0, change.payload.lastIndexOf('}'))},"_nango_metadata":${meta}}`;
}

/**
 * Writes one record of the stream, as recordJson would, followed by `end`. The payload and the
 * metadata are written one after the other rather than joined into a new string first.
 */
export function writeRecord(out: Output, change: Change, cursor: string, end: string): Promise<void> | undefined {
  if (change.payload === null) return out.write(recordJson(change, cursor) + end, change.position);
  // The stored payload ends with its closing brace: the metadata goes just before it.
  const wait = out.write(change.payload.slice(0, -1));
  const tail = `,"_nango_metadata":${metadata(change, cursor)}}${end}`;
  return wait ? wait.then(() => out.write(tail, change.position)) : out.write(tail, change.position);
}
