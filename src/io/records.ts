import { encodeCursor } from '../cache/cursor.js';
import type { Change } from '../cache/changes.js';
import { iso } from '../cache/time.js';

/** The `_nango_metadata` object of a change, as JSON text. */
function metadata(change: Change): string {
  const deletedAt = change.deletedAt === null ? 'null' : `"${iso(change.deletedAt)}"`;
  const prunedAt = change.prunedAt === null ? 'null' : `"${iso(change.prunedAt)}"`;
  return (
    `{"first_seen_at":"${iso(change.firstSeenAt)}","last_modified_at":"${iso(change.lastModifiedAt)}",` +
    `"last_action":"${change.action}","deleted_at":${deletedAt},"pruned_at":${prunedAt},"cursor":"${encodeCursor(change.seq)}"}`
  );
}

/** One record of the stream as JSON text: the payload as stored, with `_nango_metadata` last. */
export function recordJson(change: Change): string {
  const meta = metadata(change);
  if (change.payload === null) return `{"id":${JSON.stringify(change.id)},"_nango_metadata":${meta}}`;
  const close = change.payload.lastIndexOf('}');
  return `${change.payload.slice(0, close)},"_nango_metadata":${meta}}`;
}
