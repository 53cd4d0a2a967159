import { DeletionLimitError, InvalidArgumentError } from '../errors.js';
import { percent } from '../words.js';
import type { StoredRecord, WriteOp, WriteRun } from '../stores/store.js';
import type { RowSet } from './row-set.js';

// Deletion detection of a full refresh, counted before anything is deleted, and its limit.

const PAGE = 2000;

/** How many live records a full refresh may delete: a number of them, or a share of those live when it began. */
export type DeleteLimit = { records: number } | { percent: number };

/** A full refresh deletes at most half of a dataset unless allowed more: a fetch that came back short must not empty it. */
export const DEFAULT_DELETE_LIMIT: DeleteLimit = { percent: 50 };

/** `maxDelete` as a program or `--max-delete` gives it: a whole number of records (7, '7') or a percentage up to 100 ('25%', '100%'). */
export function deleteLimit(value: unknown): DeleteLimit {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return { records: Number(text) };
  const share = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (share !== null && Number(share[1]) <= 100) return { percent: Number(share[1]) };
  throw new InvalidArgumentError(
    `takes a whole number of records or a percentage up to 100% (25%, 100%), not ${JSON.stringify(value) ?? String(value)}`,
    'maxDelete',
  );
}

/** Refuses deleting `count` of the `live` records a full refresh began with, when that is more than `limit` allows. */
export function checkDeletions(limit: DeleteLimit, count: number, live: number, model: string): void {
  const allowed = 'records' in limit ? count <= limit.records : count * 100 <= limit.percent * live;
  if (allowed) return;
  const shown = 'records' in limit ? `${limit.records} records` : `${limit.percent}%`;
  throw new DeletionLimitError(count, live, shown, model, percent(count, live));
}

/**
 * The rowids of the live records a full refresh deletes: those not in `named` (the rows the input
 * named), less those `leaveAlone` keeps (counted in `left`). Collected before any is deleted, so
 * that the limit can refuse them all.
 */
export async function unnamedLive(run: WriteRun, named: RowSet, leaveAlone?: (row: StoredRecord) => boolean): Promise<{ gone: number[]; left: number }> {
  const gone: number[] = [];
  let left = 0;
  for (let after = 0; ; ) {
    const page = await run.untouchedLive(after, PAGE);
    if (page.length === 0) return { gone, left };
    after = page[page.length - 1]!.rowid;
    let unnamed = page.filter(({ rowid }) => !named.has(rowid));
    if (leaveAlone !== undefined && unnamed.length > 0) {
      const rows = await run.lookup(unnamed.map(({ id }) => id));
      const count = unnamed.length;
      unnamed = unnamed.filter(({ id }) => !leaveAlone(rows.get(id)!));
      left += count - unnamed.length;
    }
    for (const { rowid } of unnamed) gone.push(rowid);
  }
}

/** Soft-deletes rows, a page at a time. */
export async function deleteRows(run: WriteRun, rowids: readonly number[]): Promise<void> {
  for (let i = 0; i < rowids.length; i += PAGE) await run.write(rowids.slice(i, i + PAGE).map((rowid): WriteOp => ({ op: 'delete', rowid })));
}
