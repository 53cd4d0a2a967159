import { readFileSync } from 'node:fs';
import type { ChangeQuery } from '../cache/reader.js';
import { parseFilter } from '../decisions/filter.js';
import { trimJson } from '../input/ndjson.js';
import { parseTime, UsageError, type DatasetOptions } from './context.js';

// The options of rcache records, checked and turned into a query of the change stream.

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

const FORMATS = ['ndjson', 'json', 'table'];

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

export function parseInterval(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 86400) {
    throw new UsageError(`--interval takes a number of seconds greater than 0, not '${text}'`);
  }
  return seconds * 1000;
}

export function checkOptions(options: RecordsOptions): void {
  if (!FORMATS.includes(options.format)) throw new UsageError(`invalid --format '${options.format}': use ndjson, json or table`);
  if (options.cursor !== undefined && options.cursorFile !== undefined) throw new UsageError('use --cursor or --cursor-file, not both');
  if (options.follow && options.format !== 'ndjson') throw new UsageError('--follow prints NDJSON: it cannot be used with --format json or table');
  if (options.sinceNow && !options.follow) throw new UsageError('--since-now prints only changes committed from now on: add --follow');
  if (options.sinceNow && options.cursor !== undefined) throw new UsageError('use --cursor or --since-now, not both');
}

export function queryOf(options: RecordsOptions, cursor: string | undefined): ChangeQuery {
  return {
    cursor,
    actions: options.filter === undefined ? undefined : parseFilter(options.filter),
    ids: selectedIds(options),
    modifiedAfter: options.modifiedAfter === undefined ? undefined : parseTime(options.modifiedAfter, '--modified-after'),
  };
}
