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
 * bytes: copied as they are, never decoded and encoded again. The records of one run follow one
 * another and share their metadata but for the cursor, so its text is built once per run.
 */
export class RecordWriter {
  private last: Metadata | undefined;
  /** `,"_nango_metadata":{...,"cursor":"` of the last record written. */
  private head = '';

  constructor(
    private readonly out: Output,
    private readonly cursorOf: (position: number) => string,
    private readonly end: string,
  ) {}

  write(change: ChangeBytes): Promise<void> | undefined {
    const { out, end } = this;
    const cursor = this.cursorOf(change.position);
    if (change.bytes === null) {
      return out.write(recordJson({ ...change, payload: null }, cursor) + end, change.position);
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
      this.head = `,"_nango_metadata":${metadataHead(change)}`;
    }
    const tail = `${this.head}${cursor}"}}${end}`;
    // The stored payload ends with its closing brace: the metadata goes just before it.
    const wait = out.writeBytes(change.bytes, change.start, change.end - 1);
    return wait ? wait.then(() => out.write(tail, change.position)) : out.write(tail, change.position);
  }
}
