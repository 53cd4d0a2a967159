import { decodeCursor, encodeCursor } from '../cache/cursor.js';
import { ChangeReader, type Change, type ChangeQuery } from '../cache/changes.js';
import { iso, parseTimestamp } from '../cache/time.js';
import { ACTIONS, type Action } from '../cache/types.js';
import { UsageError } from '../errors.js';
import { wantsColor } from '../io/color.js';
import { Output } from '../io/output.js';
import { recordJson } from '../io/records.js';
import { renderTable } from '../io/table.js';
import { datasetOf, open, parseCount, type DatasetOptions } from './context.js';

export interface RecordsOptions extends DatasetOptions {
  cursor?: string;
  limit?: string;
  filter?: string;
  ids?: string;
  modifiedAfter?: string;
  format: string;
}

const PAGE = 1000;
const FORMATS = ['ndjson', 'json', 'table'];

export function parseFilter(text: string): Action[] {
  const actions = text.split(',').map((part) => part.trim().toUpperCase());
  for (const action of actions) {
    if (!ACTIONS.includes(action as Action)) {
      throw new UsageError(`invalid filter '${text}': use added, updated, deleted, or a comma list of them`);
    }
  }
  return [...new Set(actions as Action[])];
}

export function parseIds(text: string): string[] {
  return text.split(',').map((id) => id.trim()).filter((id) => id !== '');
}

function queryOf(options: RecordsOptions): ChangeQuery {
  return {
    after: options.cursor === undefined ? 0 : decodeCursor(options.cursor),
    actions: options.filter === undefined ? undefined : parseFilter(options.filter),
    ids: options.ids === undefined ? undefined : parseIds(options.ids),
    modifiedAfter: options.modifiedAfter === undefined ? undefined : parseTimestamp(options.modifiedAfter, '--modified-after'),
  };
}

/** Feeds the stream, page by page, to `each` until `limit` changes or the end; true when more follow. */
async function stream(reader: ChangeReader, limit: number, out: Output, each: (change: Change) => Promise<void> | void): Promise<boolean> {
  let left = limit;
  while (left > 0 && !out.closed) {
    const want = Math.min(PAGE, left);
    const page = reader.next(want);
    for (const change of page) await each(change);
    left -= page.length;
    if (page.length < want) return false;
  }
  return !out.closed && reader.next(1).length > 0;
}

export async function records(options: RecordsOptions): Promise<void> {
  if (!FORMATS.includes(options.format)) throw new UsageError(`invalid --format '${options.format}': use ndjson, json or table`);
  const dataset = datasetOf(options);
  const query = queryOf(options);
  const limit = options.limit === undefined ? Number.MAX_SAFE_INTEGER : parseCount(options.limit, '--limit');
  const cache = open(options, true);
  const out = new Output(process.stdout);
  try {
    const reader = new ChangeReader(cache, dataset, query);
    if (options.format === 'ndjson') {
      await stream(reader, limit, out, (change) => out.write(recordJson(change) + '\n'));
    } else if (options.format === 'json') {
      let first = true;
      let last: Change | undefined;
      out.write('{"records":[');
      const more = await stream(reader, limit, out, (change) => {
        const text = (first ? '' : ',') + recordJson(change);
        first = false;
        last = change;
        return out.write(text);
      });
      out.write(`],"next_cursor":${more && last ? `"${encodeCursor(last.seq)}"` : 'null'}}\n`);
    } else {
      const rows: string[][] = [];
      await stream(reader, limit, out, (change) => {
        rows.push(tableRow(change));
      });
      out.write(renderTable(['id', 'last action', 'last modified', 'cursor', 'payload'], rows, wantsColor(process.stdout, options.color)) + '\n');
    }
    await out.flush();
  } finally {
    cache.close();
  }
}

function tableRow(change: Change): string[] {
  const payload = change.payload === null ? '(pruned)' : change.payload;
  return [change.id, change.action, iso(change.lastModifiedAt)!, encodeCursor(change.seq), payload.length > 60 ? payload.slice(0, 59) + '…' : payload];
}
