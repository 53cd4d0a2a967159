import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cache } from '../cache/cache.js';
import type { ChangeQuery, ChangeReader } from '../cache/reader.js';
import { parseFilter } from '../decisions/filter.js';
import { iso } from '../decisions/time.js';
import { CursorError, type InterruptedError, InvalidArgumentError, RcacheError, StoreError } from '../errors.js';
import { wantsColor } from '../terminal/color.js';
import { CursorFile } from '../terminal/cursor-file.js';
import { trimJson } from '../input/ndjson.js';
import { Output } from '../wire/output.js';
import { pipeReaderWatch } from '../terminal/reader-watch.js';
import { RecordWriter } from '../wire/records.js';
import type { Tone } from '../terminal/table.js';
import { databaseExists, displayLocation } from '../stores/open.js';
import type { ChangeBytes, Dataset } from '../stores/store.js';
import { flagDataset, interruptible, open, parseCount, parseTime, UsageError, type DatasetOptions } from './context.js';
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

/**
 * Comma-separated ids, without the JSON white space around each (space, tab, CR, LF): `a, b` is
 * `a` and `b`. A blank one is a slip, never a selection of everything.
 */
export function parseIds(text: string): string[] {
  const ids = text.split(',').map(trimJson);
  if (ids.some((id) => id === '')) {
    throw new UsageError(
      `--ids '${text}' has an empty id: separate ids with single commas (use --id or --ids-file for an id that is blank, has spaces at its ends or holds a comma)`,
    );
  }
  return ids;
}

/** One id per line, exactly as written but for the line ending and a leading byte-order mark; blank lines are skipped. */
function readIdsFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --ids-file ${path}: ${(error as Error).message}`);
  }
  // A file saved by an editor that marks UTF-8 may start with a byte-order mark, which is no part of an id.
  if (text.startsWith('\ufeff')) text = text.slice(1);
  return text
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((id) => id !== '');
}

/** The ids selected by --ids, --id and --ids-file together; undefined when none of them was given. */
function selectedIds(options: RecordsOptions): string[] | undefined {
  if (options.ids === undefined && options.id === undefined && options.idsFile === undefined) return undefined;
  const ids = [
    ...(options.ids === undefined ? [] : parseIds(options.ids)),
    ...(options.id ?? []),
    ...(options.idsFile === undefined ? [] : readIdsFile(options.idsFile)),
  ];
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
    cursor,
    actions: options.filter === undefined ? undefined : parseFilter(options.filter),
    ids: selectedIds(options),
    modifiedAfter: options.modifiedAfter === undefined ? undefined : parseTime(options.modifiedAfter, '--modified-after'),
  };
}

/** How far a read has got: records still allowed by --limit, and whether it must stop. */
interface Progress {
  left: number;
  signal: AbortSignal;
  out: Output;
}

/** The changes of a page, with their payloads as text (a table shows them) or as stored bytes (NDJSON and JSON copy them). */
type Next<T> = (limit: number) => Promise<T[]>;

/** Feeds the stream to `each`, page by page, until the limit, the end, or a stop; true when more follow. */
async function drain<T>(next: Next<T>, progress: Progress, each: (change: T) => Promise<void> | void): Promise<boolean> {
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

/**
 * Opens the database for reading; a follower whose database does not exist yet waits for it, as
 * `tail -F` does, and says so once. Undefined when a signal ends the wait.
 */
async function openForReading(options: RecordsOptions, interval: number, signal: AbortSignal): Promise<{ cache: Cache; waited: boolean } | undefined> {
  // A server's database without rcache's tables yet is waited for as a missing file is.
  const missing = (error: unknown) => error instanceof StoreError && error.kind === 'missing';
  const where = displayLocation(options.db);
  let waiting = `waiting for ${where} to be created (stop with Ctrl-C)`;
  if (!options.follow || (await databaseExists(options.db))) {
    try {
      return { cache: await open(options, true), waited: false };
    } catch (error) {
      if (!options.follow || !missing(error)) throw error;
      // The database is there (a server's, say), only rcache's tables are not.
      if ((error as StoreError).message.startsWith('no rcache database'))
        waiting = `waiting for the first save to ${where}: rcache has saved nothing there yet (stop with Ctrl-C)`;
    }
  }
  process.stderr.write(`rcache: ${waiting}\n`);
  for (let retries = 0; ; ) {
    try {
      await sleep(interval, undefined, { signal });
    } catch {
      return undefined;
    }
    if (!(await databaseExists(options.db))) continue;
    try {
      return { cache: await open(options, true), waited: true };
    } catch (error) {
      if (missing(error)) continue;
      // The file exists but its first writer may not have committed its tables yet.
      if (!(error instanceof RcacheError || error instanceof StoreError) || ++retries > OPEN_RETRIES) throw error;
    }
  }
}

/** Says on stderr that the dataset does not exist (never written, or expired), with the names it was perhaps meant to be. */
export async function noticeUnknownDataset(cache: Cache, dataset: Dataset, db: string): Promise<void> {
  const known = await cache.stats();
  if (known.some((d) => d.integration === dataset.integration && d.connection === dataset.connection && d.model === dataset.model)) return;
  const hint = suggestDatasets(dataset, known);
  const where = `integration ${dataset.integration}, connection ${dataset.connection}`;
  process.stderr.write(`rcache: there is no dataset ${dataset.model} (${where}) in ${db}${hint ? `; did you mean ${hint}?` : ''}\n`);
}

export async function records(options: RecordsOptions): Promise<void> {
  checkOptions(options);
  const dataset = flagDataset(options);
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
  let reader: ChangeReader | undefined;
  const saveCursor = (mark: number | undefined, taken: number) => {
    if (cursorFile === undefined || mark === undefined || reader === undefined) return;
    cursorFile.write(reader.cursorOf(mark));
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
    if (!opened.waited) await noticeUnknownDataset(cache, dataset, displayLocation(options.db));
    // "Now" for a follower that waited for the database to be created is its very beginning.
    if (options.sinceNow && !stored && !opened.waited) query.fromEnd = true;
    const read = (reader = await readerFor(cache, dataset, query, cursorFile));
    if (options.format === 'json') await printDocument(read, progress);
    else if (options.format === 'table') await printTable(read, progress, wantsColor(process.stdout, options.color));
    else {
      const writer = new RecordWriter(out, read.databaseId, '\n');
      const line = (change: ChangeBytes) => writer.write(change);
      const next = (limit: number) => read.nextBytes(limit);
      // Taken before each read: a commit made while the output drains is never waited past.
      let version = options.follow ? await cache.version() : 0;
      await drain(next, progress, line);
      if (options.follow) {
        await follow(
          cache,
          next,
          progress,
          line,
          interval,
          displayLocation(options.db),
          () => saveCursor(out.confirmed, out.taken),
          async () => {
            const since = version;
            version = await cache.version();
            return since;
          },
        );
      }
    }
    await out.flush();
    saveCursor(out.confirmed, out.taken);
    // A follower stops on a signal by design; a one-off read that was cut short says so.
    if (interrupt.signal.aborted && !options.follow) throw interrupt.signal.reason as InterruptedError;
  } finally {
    interrupt.dispose();
    await cache.close();
    // Output that a stalled reader never took would keep the process alive for as long as it
    // stalls; the cursor file already names what was delivered, so the rest is let go.
    if (out.stalled) setImmediate(() => process.exit());
  }
}

/** The reader from the query's cursor; a cursor that is refused names the file it was kept in. */
async function readerFor(cache: Cache, dataset: Dataset, query: ChangeQuery, cursorFile: CursorFile | undefined): Promise<ChangeReader> {
  try {
    return await cache.reader(dataset, query);
  } catch (error) {
    if (cursorFile === undefined || !(error instanceof InvalidArgumentError)) throw error;
    const Kind = error instanceof CursorError ? CursorError : InvalidArgumentError;
    throw new Kind(error.message, `cursor file ${cursorFile.path}`);
  }
}

/** After the backlog: waits for commits and prints what they changed, until stopped. */
async function follow(
  cache: Cache,
  next: Next<ChangeBytes>,
  progress: Progress,
  line: (change: ChangeBytes) => Promise<void> | undefined,
  interval: number,
  db: string,
  saveCursor: () => void,
  /** The version taken before the last read; a new one is taken for the next. */
  lastRead: () => Promise<number>,
): Promise<void> {
  const { out, signal } = progress;
  const readerGone = pipeReaderWatch();
  while (progress.left > 0 && !out.closed && !signal.aborted) {
    await out.flush();
    saveCursor();
    const since = await lastRead();
    const { reason: result } = await cache.waitForCommit(since, { interval, signal, stop: readerGone });
    if (result === 'stopped') out.closed = true;
    if (result === 'replaced') {
      throw new RcacheError(`${db} was deleted or replaced by another file while following it: stopped (start again to read the new file)`);
    }
    if (result !== 'committed') return;
    await drain(next, progress, line);
  }
}

async function printDocument(reader: ChangeReader, progress: Progress): Promise<void> {
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

async function printTable(reader: ChangeReader, progress: Progress, color: boolean): Promise<void> {
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
