import type { Cache } from '../cache/cache.js';
import type { ChangeQuery, ChangeReader } from '../cache/reader.js';
import { parseFilter } from '../decisions/filter.js';
import { iso, parseTimestamp } from '../decisions/time.js';
import { InterruptedError } from '../errors.js';
import { wantsColor } from '../io/color.js';
import { CursorFile } from '../io/cursor-file.js';
import { Output } from '../io/output.js';
import { pipeReaderWatch } from '../io/reader-watch.js';
import { writeRecord } from '../io/records.js';
import type { Change } from '../stores/store.js';
import { datasetOf, interruptible, open, parseCount, UsageError, type DatasetOptions } from './context.js';

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
    cursor,
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
    const page = await reader.next(want);
    for (const change of page) {
      if (out.closed || signal.aborted) return true;
      const wait = each(change);
      if (wait) await wait;
      progress.left--;
    }
    if (page.length < want) return false;
  }
  return !out.closed && !signal.aborted && (await reader.next(1)).length > 0;
}

/** Waits until a commit after `version`, the reader goes away, or a signal stops the follower. */
async function waitForChange(cache: Cache, version: number, interval: number, progress: Progress, readerGone: () => boolean): Promise<void> {
  const stop = new AbortController();
  const signal = AbortSignal.any([progress.signal, stop.signal]);
  const watch = setInterval(() => {
    if (readerGone()) {
      progress.out.closed = true;
      stop.abort();
    }
  }, interval);
  try {
    await cache.waitForCommit(version, { interval, signal });
  } finally {
    clearInterval(watch);
  }
}

export async function records(options: RecordsOptions): Promise<void> {
  checkOptions(options);
  const dataset = datasetOf(options);
  const cursorFile = options.cursorFile === undefined ? undefined : new CursorFile(options.cursorFile);
  const query = queryOf(options, cursorFile ? cursorFile.read() : options.cursor);
  const limit = options.limit === undefined ? Number.MAX_SAFE_INTEGER : parseCount(options.limit, '--limit');
  const interval = parseInterval(options.interval);
  const cache = await open(options, true);
  const out = new Output(process.stdout);
  const interrupt = interruptible();
  const progress: Progress = { left: limit, signal: interrupt.signal, out };
  let reader: ChangeReader | undefined;
  const saveCursor = () => {
    if (cursorFile && reader && out.confirmed !== undefined) cursorFile.write(reader.cursorOf(out.confirmed));
  };
  try {
    reader = await cache.reader(dataset, query);
    if (options.format === 'json') await printDocument(reader, progress);
    else if (options.format === 'table') await printTable(reader, progress, wantsColor(process.stdout, options.color));
    else {
      const read = reader;
      const line = (change: Change) => writeRecord(out, change, read.cursorOf(change.position), '\n');
      // Taken before each read: a commit made while the output drains is not missed.
      let version = options.follow ? await cache.version() : 0;
      await drain(reader, progress, line);
      const readerGone = pipeReaderWatch();
      while (options.follow && progress.left > 0 && !out.closed && !interrupt.signal.aborted) {
        await out.flush();
        saveCursor();
        await waitForChange(cache, version, interval, progress, readerGone);
        version = await cache.version();
        await drain(reader, progress, line);
      }
    }
    await out.flush();
    saveCursor();
    // A follower stops on a signal by design; a one-off read that was cut short says so.
    if (interrupt.signal.aborted && !options.follow) throw interrupt.signal.reason as InterruptedError;
  } finally {
    interrupt.dispose();
    await cache.close();
  }
}

async function printDocument(reader: ChangeReader, progress: Progress): Promise<void> {
  const { out } = progress;
  let last: Change | undefined;
  out.write('{"records":[');
  const more = await drain(reader, progress, async (change) => {
    if (last !== undefined) await out.write(',');
    last = change;
    return writeRecord(out, change, reader.cursorOf(change.position), '');
  });
  out.write(`],"next_cursor":${more && last ? `"${reader.cursorOf(last.position)}"` : 'null'}}\n`);
}

async function printTable(reader: ChangeReader, progress: Progress, color: boolean): Promise<void> {
  const rows: string[][] = [];
  let last: number | undefined;
  await drain(reader, progress, (change) => {
    const payload = change.payload ?? '(pruned)';
    rows.push([change.id, change.action, iso(change.lastModifiedAt), reader.cursorOf(change.position), payload.length > 60 ? payload.slice(0, 59) + '…' : payload]);
    last = change.position;
  });
  // Loaded only here: the table library is a good part of the start-up of a command that uses it.
  const { renderTable } = await import('../io/table.js');
  progress.out.write(renderTable(['id', 'last action', 'last modified', 'cursor', 'payload'], rows, color) + '\n', last);
}
