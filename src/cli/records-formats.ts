import type { ChangeReader } from '../cache/reader.js';
import { iso } from '../decisions/time.js';
import type { ChangeBytes } from '../stores/store.js';
import type { Tone } from '../terminal/table.js';
import type { Output } from '../wire/output.js';
import { RecordWriter } from '../wire/records.js';

// How rcache records prints what it reads: the page-by-page drain, and the JSON document and table formats.

const PAGE = 1000;

/** How far a read has got: records still allowed by --limit, and whether it must stop. */
export interface Progress {
  left: number;
  signal: AbortSignal;
  out: Output;
}

/** The changes of a page, with their payloads as text (a table shows them) or as stored bytes (NDJSON and JSON copy them). */
export type Next<T> = (limit: number) => Promise<T[]>;

/** Feeds the stream to `each`, page by page, until the limit, the end, or a stop; true when more follow. */
export async function drain<T>(next: Next<T>, progress: Progress, each: (change: T) => Promise<void> | void): Promise<boolean> {
  const { out, signal } = progress;
  while (progress.left > 0 && !out.closed && !signal.aborted) {
    const want = Math.min(PAGE, progress.left);
    const page = await next(want);
    for (const change of page) {
      if (out.closed || signal.aborted) return true;
      const wait = each(change);
      if (wait) await wait;
      progress.left--;
    }
    if (page.length < want) return false;
  }
  return !out.closed && !signal.aborted && (await next(1)).length > 0;
}

export async function printDocument(reader: ChangeReader, progress: Progress): Promise<void> {
  const { out } = progress;
  const writer = new RecordWriter(out, reader.databaseId, '');
  let last: ChangeBytes | undefined;
  out.write('{"records":[');
  const more = await drain(
    (limit) => reader.nextBytes(limit),
    progress,
    async (change) => {
      if (last !== undefined) await out.write(',');
      last = change;
      return writer.write(change);
    },
  );
  out.write(`],"next_cursor":${more && last ? `"${reader.cursorOf(last.position)}"` : 'null'}}\n`);
}

const TONES: Record<string, Tone> = { ADDED: 'green', UPDATED: 'yellow', DELETED: 'red' };

/** The payload as the table shows it: without its leading id, which has a column of its own. */
export function payloadExcerpt(payload: string | null): string {
  if (payload === null) return '(pruned)';
  const id = /^\{\s*"id"\s*:\s*(?:"(?:[^"\\]|\\.)*"|[-+.\deE]+)\s*(,\s*|(?=\}))/.exec(payload);
  return id === null ? payload : `{${payload.slice(id[0].length)}`;
}

export async function printTable(reader: ChangeReader, progress: Progress, color: boolean): Promise<void> {
  // Loaded only here: the table code is no part of the start-up of other formats.
  const { TableStream, terminalWidth } = await import('../terminal/table.js');
  // On a narrow terminal the payload gives way first, the cursor (what a reader copies) never.
  const table = new TableStream(
    [
      { name: 'id', text: true },
      { name: 'action', drop: 2, tone: (action) => TONES[action] },
      { name: 'last modified', drop: 1 },
      { name: 'cursor' },
      { name: 'payload', excerpt: 20, max: 60, drop: 0 },
    ],
    { color, width: terminalWidth(process.stdout) },
  );
  const { out } = progress;
  let last: number | undefined;
  await drain(
    (limit) => reader.next(limit),
    progress,
    (change) => {
      last = change.position;
      const text = table.push([change.id, change.action, iso(change.lastModifiedAt), reader.cursorOf(change.position), payloadExcerpt(change.payload)]);
      return text === '' ? undefined : out.write(text, change.position);
    },
  );
  out.write(table.end(), last);
}
