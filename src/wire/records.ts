import { encodeCursor, writePosition } from '../decisions/cursor.js';
import { iso } from '../decisions/time.js';
import type { Change, ChangeBytes } from '../stores/store.js';
import type { Output } from './output.js';

type Metadata = Omit<Change, 'id' | 'payload' | 'position'>;

/** The `_nango_metadata` object of a change as JSON text, up to the cursor's value: `..."cursor":"`. */
function metadataHead(change: Metadata): string {
  const deletedAt = change.deletedAt === null ? 'null' : `"${iso(change.deletedAt)}"`;
  const prunedAt = change.prunedAt === null ? 'null' : `"${iso(change.prunedAt)}"`;
  return (
    `{"first_seen_at":"${iso(change.firstSeenAt)}","last_modified_at":"${iso(change.lastModifiedAt)}",` +
    `"last_action":"${change.action}","deleted_at":${deletedAt},"pruned_at":${prunedAt},"cursor":"`
  );
}

/** One record of the stream as JSON text: the payload as stored, with `_nango_metadata` last. */
export function recordJson(change: Change, cursor: string): string {
  const meta = `${metadataHead(change)}${cursor}"}`;
  if (change.payload === null) return `{"id":${JSON.stringify(change.id)},"_nango_metadata":${meta}}`;
  return `${change.payload.slice(0, change.payload.lastIndexOf('}'))},"_nango_metadata":${meta}}`;
}

/**
 * Writes records of the stream as recordJson would, each followed by `end`, from their payloads'
 * bytes: copied as they are, never decoded and encoded again. What follows a payload is written as
 * bytes too; the records of one run follow one another and share their metadata but for the
 * cursor, so the text before the cursor's position is made once per run.
 */
export class RecordWriter {
  private last: Metadata | undefined;
  /** `,"_nango_metadata":{...,"cursor":"<database id>` of the last record, then its position, `"}}` and `end`. */
  private tail = Buffer.alloc(512);
  private head = 0;
  /** `"}}` and `end`. */
  private readonly closing: Buffer;

  constructor(
    private readonly out: Output,
    private readonly databaseId: string,
    private readonly end: string,
  ) {
    this.closing = Buffer.from(`"}}${end}`);
  }

  write(change: ChangeBytes): Promise<void> | undefined {
    const { out } = this;
    if (change.bytes === null) {
      return out.write(recordJson({ ...change, payload: null }, encodeCursor(this.databaseId, change.position)) + this.end, change.position);
    }
    const last = this.last;
    if (
      last === undefined ||
      last.firstSeenAt !== change.firstSeenAt ||
      last.lastModifiedAt !== change.lastModifiedAt ||
      last.action !== change.action ||
      last.deletedAt !== change.deletedAt ||
      last.prunedAt !== change.prunedAt
    ) {
      this.last = change;
      const head = `,"_nango_metadata":${metadataHead(change)}${this.databaseId}`;
      if (head.length + 64 > this.tail.length) this.tail = Buffer.alloc(head.length + 64);
      this.head = this.tail.write(head, 0, 'latin1');
    }
    let at = writePosition(this.tail, this.head, change.position);
    for (const byte of this.closing) this.tail[at++] = byte;
    // The stored payload ends with its closing brace: the metadata goes just before it.
    const wait = out.writeBytes(change.bytes, change.start, change.end - 1);
    // The tail is not written over before the output has taken it: the caller waits for a write that waits.
    return wait ? wait.then(() => out.writeBytes(this.tail, 0, at, change.position)) : out.writeBytes(this.tail, 0, at, change.position);
  }
}
