import { readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordsCache } from '../cache/cache.js';
import { ChangeReader, endPosition, type Change, type ChangeQuery } from '../cache/changes.js';
import { decodeCursor, encodeCursor } from '../cache/cursor.js';
import { waitForCommit } from '../cache/follow.js';
import { datasetStats } from '../cache/stats.js';
import { iso, parseTimestamp } from '../cache/time.js';
import { ACTIONS, type Action, type Dataset } from '../cache/types.js';
import { InterruptedError, RcacheError, UsageError } from '../errors.js';
import { wantsColor } from '../io/color.js';
import { CursorFile } from '../io/cursor-file.js';
import { Output } from '../io/output.js';
import { pipeReaderWatch } from '../io/reader-watch.js';
import { writeRecord } from '../io/records.js';
import { datasetOf, interruptible, open, parseCount, type DatasetOptions } from './context.js';
import { suggestDatasets } from './suggest.js';

export interface RecordsOptions extends DatasetOptions {
  cursor?: string;
  cursorFile?: string;
  follow?: boolean;
  sinceNow?: boolean;
  interval: string;
  limit?: string;
  filter?: string;
  ids?: string;
  id?: string[];
  idsFile?: string;
  modifiedAfter?: string;
  format: string;
}

const PAGE = 1000;
const FORMATS = ['ndjson', 'json', 'table'];
// How many times a follower retries opening a database file that exists but is still being created.
const OPEN_RETRIES = 20;
/** With the output's chunks of up to 256 KiB, a cursor file is never more than 1 MiB of output behind. */
const CURSOR_EVERY = 768 * 1024;

export function parseFilter(text: string): Action[] {
  const actions = text.split(',').map((part) => part.trim().toUpperCase());
  for (const action of actions) {
    if (!ACTIONS.includes(action as Action)) {
      throw new UsageError(`invalid filter '${text}': use added, updated, deleted, or a comma list of them`);
    }
  }
  return [...new Set(actions as Action[])];
}

/** Comma-separated ids, each exactly as written; a blank one is a slip, never a selection of everything. */
export function parseIds(text: string): string[] {
  const ids = text.split(',');
  if (ids.some((id) => id.trim() === '')) {
    throw new UsageError(`--ids '${text}' has an empty id: separate ids with single commas (use --id or --ids-file for an id that is blank or holds a comma)`);
  }
  return ids;
}

/** One id per line, exactly as written but for the line ending; blank lines are skipped. */
function readIdsFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --ids-file ${path}: ${(error as Error).message}`);
  }
  return text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line)).filter((id) => id !== '');
}

/** The ids selected by --ids, --id and --ids-file together; undefined when none of them was given. */
function selectedIds(options: RecordsOptions): string[] | undefined {
  if (options.ids === undefined && options.id === undefined && options.idsFile === undefined) return undefined;
  const ids = [...(options.ids === undefined ? [] : parseIds(options.ids)), ...(options.id ?? []), ...(options.idsFile === undefined ? [] : readIdsFile(options.idsFile))];
  if (options.id?.includes('')) throw new UsageError('--id must not be empty');
  if (ids.length === 0) throw new UsageError(`--ids-file ${options.idsFile} names no id: give at least one id, one per line`);
  return ids;
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
  if (options.sinceNow && !options.follow) throw new UsageError('--since-now prints only changes committed from now on: add --follow');
  if (options.sinceNow && options.cursor !== undefined) throw new UsageError('use --cursor or --since-now, not both');
}

function queryOf(options: RecordsOptions, cursor: string | undefined): ChangeQuery {
  return {
    after: cursor === undefined ? 0 : decodeCursor(cursor),
    actions: options.filter === undefined ? undefined : parseFilter(options.filter),
    ids: selectedIds(options),
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

function isUrl(db: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(db);
}

/** Whether a database file is there to be read (SQLite creates it empty, then writes its header). */
function fileCreated(db: string): boolean {
  return (statSync(db, { throwIfNoEntry: false })?.size ?? 0) > 0;
}

/**
 * Opens the database for reading; a follower whose database does not exist yet waits for it, as
 * `tail -F` does, and says so once. Undefined when a signal ends the wait.
 */
async function openForReading(options: RecordsOptions, interval: number, signal: AbortSignal): Promise<{ cache: RecordsCache; waited: boolean } | undefined> {
  if (!options.follow || isUrl(options.db) || fileCreated(options.db)) return { cache: open(options, true), waited: false };
  process.stderr.write(`rcache: waiting for ${options.db} to be created (stop with Ctrl-C)\n`);
  for (let retries = 0; ; ) {
    try {
      await sleep(interval, undefined, { signal });
    } catch {
      return undefined;
    }
    if (!fileCreated(options.db)) continue;
    try {
      return { cache: open(options, true), waited: true };
    } catch (error) {
      // The file exists but its first writer may not have committed its tables yet.
      if (!(error instanceof RcacheError) || ++retries > OPEN_RETRIES) throw error;
    }
  }
}

/** Says on stderr that the dataset does not exist (never written, or expired), with the names it was perhaps meant to be. */
export function noticeUnknownDataset(cache: RecordsCache, dataset: Dataset, db: string): void {
  if (cache.datasetId(dataset) !== undefined) return;
  const hint = suggestDatasets(dataset, datasetStats(cache));
  const where = `integration ${dataset.integration}, connection ${dataset.connection}`;
  process.stderr.write(`rcache: there is no dataset ${dataset.model} (${where}) in ${db}${hint ? `; did you mean ${hint}?` : ''}\n`);
}

export async function records(options: RecordsOptions): Promise<void> {
  checkOptions(options);
  const dataset = datasetOf(options);
  const cursorFile = options.cursorFile === undefined ? undefined : new CursorFile(options.cursorFile);
  const stored = cursorFile ? cursorFile.read() : options.cursor;
  const query = queryOf(options, stored);
  const limit = options.limit === undefined ? Number.MAX_SAFE_INTEGER : parseCount(options.limit, '--limit');
  const interval = parseInterval(options.interval);
  const interrupt = interruptible();
  const opened = await openForReading(options, interval, interrupt.signal);
  if (opened === undefined) {
    interrupt.dispose();
    return;
  }
  const { cache } = opened;
  // The cursor file follows what the output took in full, never text still waiting in a pipe; it is
  // replaced every CURSOR_EVERY bytes, since replacing a file per chunk would slow a long read.
  let savedAt = 0;
  const saveCursor = (mark: number | undefined, taken: number) => {
    if (cursorFile === undefined || mark === undefined) return;
    cursorFile.write(encodeCursor(mark));
    savedAt = taken;
  };
  const out: Output = new Output(process.stdout, {
    signal: interrupt.signal,
    onConfirmed: (mark, taken) => {
      if (taken - savedAt >= CURSOR_EVERY) saveCursor(mark, taken);
    },
  });
  const progress: Progress = { left: limit, signal: interrupt.signal, out };
  try {
    // A follower that waited for the database has said so: its dataset may well come a moment later.
    if (!opened.waited) noticeUnknownDataset(cache, dataset, options.db);
    // "Now" for a follower that waited for the database to be created is its very beginning.
    if (options.sinceNow && !stored && !opened.waited) query.after = endPosition(cache);
    const reader = new ChangeReader(cache, dataset, query);
    if (options.format === 'json') await printDocument(reader, progress);
    else if (options.format === 'table') await printTable(reader, progress, wantsColor(process.stdout, options.color));
    else {
      const line = (change: Change) => writeRecord(out, change, '\n');
      await drain(reader, progress, line);
      if (options.follow) await follow(cache, reader, progress, line, interval, options.db, () => saveCursor(out.confirmed, out.taken));
    }
    await out.flush();
    saveCursor(out.confirmed, out.taken);
    // A follower stops on a signal by design; a one-off read that was cut short says so.
    if (interrupt.signal.aborted && !options.follow) throw interrupt.signal.reason as InterruptedError;
  } finally {
    interrupt.dispose();
    cache.close();
    // Output that a stalled reader never took would keep the process alive for as long as it
    // stalls; the cursor file already names what was delivered, so the rest is let go.
    if (out.stalled) setImmediate(() => process.exit());
  }
}

/** After the backlog: waits for commits and prints what they changed, until stopped. */
async function follow(
  cache: RecordsCache,
  reader: ChangeReader,
  progress: Progress,
  line: (change: Change) => Promise<void> | undefined,
  interval: number,
  db: string,
  saveCursor: () => void,
): Promise<void> {
  const { out, signal } = progress;
  const readerGone = pipeReaderWatch();
  while (progress.left > 0 && !out.closed && !signal.aborted) {
    await out.flush();
    saveCursor();
    const since = reader.readVersion ?? cache.commitVersion();
    const result = await waitForCommit(cache, since, { interval, signal, stop: readerGone });
    if (result === 'stopped') out.closed = true;
    if (result === 'replaced') {
      throw new RcacheError(`${db} was deleted or replaced by another file while following it: stopped (start again to read the new file)`);
    }
    if (result !== 'committed') return;
    await drain(reader, progress, line);
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
  const rows: string[][] = [];
  let last: number | undefined;
  await drain(reader, progress, (change) => {
    const payload = change.payload ?? '(pruned)';
    rows.push([change.id, change.action, iso(change.lastModifiedAt)!, encodeCursor(change.seq), payload.length > 60 ? payload.slice(0, 59) + '…' : payload]);
    last = change.seq;
  });
  // Loaded only here: the table library is a good part of the start-up of a command that uses it.
  const { renderTable } = await import('../io/table.js');
  progress.out.write(renderTable(['id', 'last action', 'last modified', 'cursor', 'payload'], rows, color) + '\n', last);
}
