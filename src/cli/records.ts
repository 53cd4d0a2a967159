import { setTimeout as sleep } from 'node:timers/promises';
import type { Cache } from '../cache/cache.js';
import type { ChangeQuery, ChangeReader } from '../cache/reader.js';
import { CursorError, type InterruptedError, InvalidArgumentError, RcacheError, StoreError } from '../errors.js';
import { wantsColor } from '../terminal/color.js';
import { CursorFile } from '../terminal/cursor-file.js';
import { Output } from '../wire/output.js';
import { pipeReaderWatch } from '../terminal/reader-watch.js';
import { RecordWriter } from '../wire/records.js';
import { databaseExists, displayLocation } from '../stores/open.js';
import type { ChangeBytes, Dataset } from '../stores/store.js';
import { flagDataset, interruptible, open, parseCount } from './context.js';
import { suggestDatasets } from './suggest.js';

import { checkOptions, parseInterval, queryOf, type RecordsOptions } from './records-options.js';
import { drain, type Next, printDocument, printTable, type Progress } from './records-formats.js';

// How many times a follower retries opening a database file that exists but is still being created.
const OPEN_RETRIES = 20;
/** With the output's chunks of up to 256 KiB, a cursor file is never more than 1 MiB of output behind. */
const CURSOR_EVERY = 768 * 1024;

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
