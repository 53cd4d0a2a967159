import { decodeCursor, encodeCursor } from '../decisions/cursor.js';
import { CursorError, InvalidArgumentError, ResyncRequiredError, StoreError } from '../errors.js';
import { changesAsBytes } from '../stores/change-bytes.js';
import type { Action, Change, ChangeBytes, ChangePage, Dataset, DatasetRef, Store } from '../stores/store.js';
import { ACTIONS } from '../types.js';

/** Which changes to read. */
export interface ChangeQuery {
  /** Start after this cursor (from the beginning without one; newest first: start before it). */
  cursor?: string;
  /** Only records whose latest action is one of these. */
  actions?: readonly Action[];
  /** Only these ids. */
  ids?: readonly string[];
  /** Only records last modified at or after this time (ms since the epoch). */
  modifiedAfter?: number;
  /** Start at the current end of the stream, instead of a cursor: only changes committed from now on. */
  fromEnd?: boolean;
  /** Oldest first (the change stream, the default) or newest first (a dashboard's first page). */
  order?: 'oldest-first' | 'newest-first';
  /**
   * Look through at most this many positions a page, so that a filter matching few records costs
   * a bounded read: a page that comes back short then stops at the edge of what it looked through
   * (see ChangeReader.searchedPart), and the next page searches on from there.
   */
  span?: number;
}

/** Refuses a count that is not a whole number of at least `least` (undefined passes: the default applies). */
export function checkCount(value: unknown, what: string, least: number): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= least)) {
    throw new InvalidArgumentError(`must be a whole number, ${least} or more, not ${String(value)}`, what);
  }
}

/** Refuses a query a program built wrongly, before the store is asked: a store would fail on it, or silently match nothing. */
export function checkQuery(query: ChangeQuery): void {
  if (query.cursor !== undefined && typeof query.cursor !== 'string') throw new InvalidArgumentError('must be a string that rcache printed', 'cursor');
  if (query.actions !== undefined && !(Array.isArray(query.actions) && query.actions.every((action) => ACTIONS.includes(action)))) {
    throw new InvalidArgumentError(`must be a list of ${ACTIONS.join(', ')}`, 'actions');
  }
  if (query.ids !== undefined && !(Array.isArray(query.ids) && query.ids.every((id) => typeof id === 'string'))) {
    throw new InvalidArgumentError('must be a list of strings', 'ids');
  }
  if (query.modifiedAfter !== undefined && !Number.isFinite(query.modifiedAfter)) {
    throw new InvalidArgumentError(`must be a time in milliseconds since the epoch, not ${String(query.modifiedAfter)}`, 'modifiedAfter');
  }
  if (query.order !== undefined && query.order !== 'oldest-first' && query.order !== 'newest-first') {
    throw new InvalidArgumentError(`must be oldest-first or newest-first, not ${String(query.order)}`, 'order');
  }
  checkCount(query.span, 'span', 1);
}

/** The position a cursor names in this database; refuses a cursor from another database or beyond its last change. */
export function positionOf(cursor: string, database: { id: string; lastPosition: number }): number {
  const decoded = decodeCursor(cursor);
  if (decoded.databaseId !== undefined && decoded.databaseId !== database.id) {
    throw new CursorError(`cursor '${cursor}' comes from another database (or from one deleted and created again): read again from the beginning`);
  }
  if (decoded.position > database.lastPosition) {
    throw new CursorError(`cursor '${cursor}' is beyond the last change of this database: read again from the beginning`);
  }
  return decoded.position;
}

/**
 * Reads a dataset's change stream one page at a time. Each page is its own short read, so a reader
 * never holds a snapshot open between pages and writers are never held back by it.
 */
export class ChangeReader {
  private ref: DatasetRef | undefined;
  private at: number | undefined;
  private partial = false;

  constructor(
    private readonly store: Store,
    /** The database's id, which every cursor of this reader carries, and its last position when the reader began. */
    private readonly database: { id: string; lastPosition: number },
    readonly dataset: Dataset,
    private readonly query: Omit<ChangeQuery, 'cursor'> & { after?: number },
  ) {
    this.at = query.after;
  }

  /** The database's id, which every cursor of this reader carries. */
  get databaseId(): string {
    return this.database.id;
  }

  /** The last page came back short at the edge of its span, not at the end of the stream: more may match further on. */
  get searchedPart(): boolean {
    return this.partial;
  }

  /** The position after which the next page starts (before which, newest first); undefined at the very start. */
  get position(): number | undefined {
    return this.at;
  }

  cursorOf(position: number): string {
    return encodeCursor(this.database.id, position);
  }

  /**
   * Up to `limit` changes after the current position; advances past them. Empty while the dataset
   * does not exist. Throws ResyncRequiredError when the position (a cursor given, or the last
   * change read) comes before the dataset's last reset or expiry.
   */
  next(limit: number): Promise<Change[]> {
    return this.nextOf(limit, (ref, page) => this.store.readChanges(ref, page));
  }

  /** As next, with the payloads as the UTF-8 bytes stored: for printing them as they are. */
  nextBytes(limit: number): Promise<ChangeBytes[]> {
    const bytes = this.store.readChangeBytes;
    if (bytes === undefined) return this.nextOf(limit, async (ref, page) => changesAsBytes(await this.store.readChanges(ref, page)));
    return this.nextOf(limit, (ref, page) => bytes.call(this.store, ref, page));
  }

  private async nextOf<T extends { position: number }>(limit: number, read: (ref: DatasetRef, page: ChangePage) => Promise<T[]>): Promise<T[]> {
    checkCount(limit, 'limit', 0);
    // A reset or an expiry since the dataset was found: find it again, and its horizon with it.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.page(limit, read);
      } catch (error) {
        if (attempt === 3 || !(error instanceof StoreError && error.kind === 'dataset-changed')) throw error;
        this.ref = undefined;
      }
    }
  }

  /** Finds the dataset (found first: a reset committed after it is seen by readChanges) and refuses a position before its horizon. */
  private async find(): Promise<DatasetRef | undefined> {
    const ref = await this.store.findDataset(this.dataset);
    if (this.at !== undefined && this.query.order !== 'newest-first') {
      const horizon = await this.store.findHorizon(this.dataset);
      // The horizon's own position is never a record's: a cursor at it was issued after, as "now" (rcache cursor).
      if (horizon !== undefined && this.at < horizon.position) throw new ResyncRequiredError(this.dataset.model, horizon.reason, horizon.at);
    }
    return ref;
  }

  private async page<T extends { position: number }>(limit: number, read: (ref: DatasetRef, page: ChangePage) => Promise<T[]>): Promise<T[]> {
    this.partial = false;
    this.ref ??= await this.find();
    if (this.ref === undefined) return [];
    const newest = this.query.order === 'newest-first';
    let after = newest ? undefined : (this.at ?? 0);
    let before = newest ? this.at : undefined;
    // The far edge of the span, inclusive, when it falls short of the end of the stream.
    let edge: number | undefined;
    const span = this.query.span;
    if (span !== undefined) {
      if (newest) {
        const start = before ?? this.database.lastPosition + 1;
        if (start - span > 1) after = (edge = start - span) - 1;
      } else if (after! + span < this.database.lastPosition) {
        before = (edge = after! + span) + 1;
      }
    }
    const page = await read(this.ref, {
      order: newest ? 'newest-first' : 'oldest-first',
      after,
      before,
      limit,
      actions: this.query.actions,
      ids: this.query.ids,
      modifiedAfter: this.query.modifiedAfter,
    });
    if (page.length > 0) this.at = page[page.length - 1]!.position;
    if (page.length < limit && edge !== undefined) {
      this.at = edge;
      this.partial = true;
    }
    return page;
  }
}
