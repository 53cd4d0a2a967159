import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordsCache } from '../cache/cache.js';
import { ChangeReader, type Change, type ChangeQuery } from '../cache/changes.js';
import { decodeCursor, encodeCursor } from '../cache/cursor.js';
import { iso, parseTimestamp } from '../cache/time.js';
import { ACTIONS, type Action } from '../cache/types.js';
import { InterruptedError, UsageError } from '../errors.js';
import { wantsColor } from '../io/color.js';
import { CursorFile } from '../io/cursor-file.js';
import { Output } from '../io/output.js';
import { pipeReaderWatch } from '../io/reader-watch.js';
import { writeRecord } from '../io/records.js';
import { datasetOf, interruptible, open, parseCount, type DatasetOptions } from './context.js';

export interface RecordsOptions extends DatasetOptions {
  cursor?: string;
  cursorFile?: string;
  follow?: boolean;
  interval: string;
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

function parseInterval(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 86400) {
    throw new UsageError(`--interval takes a number of seconds greater than 0, not '${text}'`);
  }
  return seconds * 1000;
}

function checkOptions(options: RecordsOptions): void {
  if (!FORMATS.includes(options.format)) throw new UsageError(`invalid --format '${options.format}': use ndjson, json or table`);
  if (options.cursor !== undefined && options.cursorFile !== undefined) throw new UsageError('use --cursor or --cursor-file, not both');
  if (options.follow && options.format !== 'ndjson') throw new UsageError('--follow prints NDJSON: it cannot be used with --format json or table');
}

function queryOf(options: RecordsOptions, cursor: string | undefined): ChangeQuery {
  return {
    after: cursor === undefined ? 0 : decodeCursor(cursor),
    actions: options.filter === undefined ? undefined : parseFilter(options.filter),
    ids: options.ids === undefined ? undefined : parseIds(options.ids),
    modifiedAfter: options.modifiedAfter === undefined ? undefined : parseTimestamp(options.modifiedAfter, '--modified-after'),
  };
}

/** How far a read has got: records still allowed by --limit, and whether it must stop. */
interface Progress {
  left: number;
  signal: AbortSignal;
  out: Output;
}

/** Feeds the stream to `each`, page by page, until the limit, the end, or a stop; true when more follow. */
async function drain(reader: ChangeReader, progress: Progress, each: (change: Change) => Promise<void> | void): Promise<boolean> {
  const { out, signal } = progress;
  while (progress.left > 0 && !out.closed && !signal.aborted) {
    const want = Math.min(PAGE, progress.left);
    const page = reader.next(want);
    for (const change of page) {
      if (out.closed || signal.aborted) return true;
      const wait = each(change);
      if (wait) await wait;
      progress.left--;
    }
    if (page.length < want) return false;
  }
  return !out.closed && !signal.aborted && reader.next(1).length > 0;
}

/** Waits until another process commits, the reader goes away, or a signal stops the follower. */
async function waitForChange(cache: RecordsCache, interval: number, progress: Progress, readerGone: () => boolean): Promise<void> {
  const version = () => cache.db.pragma('data_version', { simple: true }) as number;
  const start = version();
  while (!progress.signal.aborted) {
    try {
      await sleep(interval, undefined, { signal: progress.signal });
    } catch {
      return;
    }
    if (readerGone()) {
      progress.out.closed = true;
      return;
    }
    if (version() !== start) return;
  }
}

export async function records(options: RecordsOptions): Promise<void> {
  checkOptions(options);
  const dataset = datasetOf(options);
  const cursorFile = options.cursorFile === undefined ? undefined : new CursorFile(options.cursorFile);
  const query = queryOf(options, cursorFile ? cursorFile.read() : options.cursor);
  const limit = options.limit === undefined ? Number.MAX_SAFE_INTEGER : parseCount(options.limit, '--limit');
  const interval = parseInterval(options.interval);
  const cache = open(options, true);
  const out = new Output(process.stdout);
  const interrupt = interruptible();
  const progress: Progress = { left: limit, signal: interrupt.signal, out };
  const saveCursor = () => {
    if (cursorFile && out.confirmed !== undefined) cursorFile.write(encodeCursor(out.confirmed));
  };
  try {
    const reader = new ChangeReader(cache, dataset, query);
    if (options.format === 'json') await printDocument(reader, progress);
    else if (options.format === 'table') await printTable(reader, progress, wantsColor(process.stdout, options.color));
    else {
      const line = (change: Change) => writeRecord(out, change, '\n');
      await drain(reader, progress, line);
      const readerGone = pipeReaderWatch();
      while (options.follow && progress.left > 0 && !out.closed && !interrupt.signal.aborted) {
        await out.flush();
        saveCursor();
        await waitForChange(cache, interval, progress, readerGone);
        await drain(reader, progress, line);
      }
    }
    await out.flush();
    saveCursor();
    // A follower stops on a signal by design; a one-off read that was cut short says so.
    if (interrupt.signal.aborted && !options.follow) throw interrupt.signal.reason as InterruptedError;
  } finally {
    interrupt.dispose();
    cache.close();
  }
}

async function printDocument(reader: ChangeReader, progress: Progress): Promise<void> {
  const { out } = progress;
  let last: Change | undefined;
  out.write('{"records":[');
  const more = await drain(reader, progress, async (change) => {
    if (last !== undefined) await out.write(',');
    last = change;
    return writeRecord(out, change, '');
  });
  out.write(`],"next_cursor":${more && last ? `"${encodeCursor(last.seq)}"` : 'null'}}\n`);
}

async function printTable(reader: ChangeReader, progress: Progress, color: boolean): Promise<void> {
  // Loaded only here: the table code is no part of the start-up of other formats.
  const { TableStream, terminalWidth } = await import('../io/table.js');
  const table = new TableStream(
    [
      { name: 'id', min: 36 },
      { name: 'last action', min: 7, drop: 2 },
      { name: 'last modified', min: 24, drop: 1 },
      { name: 'cursor', drop: 3 },
      { name: 'payload', max: 60, drop: 0 },
    ],
    { color, width: terminalWidth(process.stdout) },
  );
  const { out } = progress;
  let last: number | undefined;
  await drain(reader, progress, (change) => {
    last = change.seq;
    const text = table.push([change.id, change.action, iso(change.lastModifiedAt)!, encodeCursor(change.seq), change.payload ?? '(pruned)']);
    return text === '' ? undefined : out.write(text, change.seq);
  });
  out.write(table.end(), last);
}
