import type { RecordsCache } from './cache.js';
import type { Action, Dataset } from './types.js';

/** Which changes to read. */
export interface ChangeQuery {
  /** Change position to read after (0: from the beginning). */
  after?: number;
  /** Only records whose latest action is one of these. */
  actions?: readonly Action[];
  /** Only these ids. */
  ids?: readonly string[];
  /** Only records last modified at or after this time (ms since the epoch). */
  modifiedAfter?: number;
}

/** One record as the change stream shows it: its latest state and the position of its latest change. */
export interface Change {
  id: string;
  /** The payload text, or null when it was pruned. */
  payload: string | null;
  seq: number;
  action: Action;
  firstSeenAt: number;
  lastModifiedAt: number;
  deletedAt: number | null;
  prunedAt: number | null;
}

type Row = [string, string | null, number, Action, number, number, number | null, number | null];

function changesSql(query: ChangeQuery): string {
  let sql = `SELECT id, payload, seq, action, first_seen_at, last_modified_at, deleted_at, pruned_at
    FROM records WHERE dataset_id = @dataset AND seq > @after`;
  if (query.actions?.length) sql += ' AND action IN (SELECT value FROM json_each(@actions))';
  if (query.ids?.length) sql += ' AND id IN (SELECT value FROM json_each(@ids))';
  if (query.modifiedAfter !== undefined) sql += ' AND last_modified_at >= @modifiedAfter';
  return sql + ' ORDER BY seq LIMIT @limit';
}

/**
 * Reads the change stream one page at a time. Each page is its own short read, so a reader never
 * holds a snapshot open between pages and writers' checkpoints are never held back by it.
 */
export class ChangeReader {
  private datasetId: number | undefined;
  private readonly sql: string;
  private after: number;
  private version: number | undefined;

  constructor(
    private readonly cache: RecordsCache,
    private readonly dataset: Dataset,
    private readonly query: ChangeQuery = {},
  ) {
    this.sql = changesSql(query);
    this.after = query.after ?? 0;
  }

  /** The position after which the next page starts. */
  get position(): number {
    return this.after;
  }

  /**
   * The commit version (see RecordsCache.commitVersion) taken just before the last page was read:
   * anything committed since then may be missing from it, so a follower waits for a commit after this.
   */
  get readVersion(): number | undefined {
    return this.version;
  }

  /** Up to `limit` changes after the current position; advances past them. */
  next(limit: number): Change[] {
    this.version = this.cache.commitVersion();
    this.datasetId ??= this.cache.datasetId(this.dataset);
    if (this.datasetId === undefined) return [];
    // Rows come as arrays: better-sqlite3 builds objects for each row far more slowly than this loop.
    const rows = this.cache.statement(this.sql).raw(true).all({
      dataset: this.datasetId,
      after: this.after,
      limit,
      actions: this.query.actions?.length ? JSON.stringify(this.query.actions) : undefined,
      ids: this.query.ids?.length ? JSON.stringify(this.query.ids) : undefined,
      modifiedAfter: this.query.modifiedAfter,
    }) as Row[];
    const changes = rows.map(
      (row): Change => ({
        id: row[0],
        payload: row[1],
        seq: row[2],
        action: row[3],
        firstSeenAt: row[4],
        lastModifiedAt: row[5],
        deletedAt: row[6],
        prunedAt: row[7],
      }),
    );
    if (changes.length > 0) this.after = changes[changes.length - 1]!.seq;
    return changes;
  }
}

/** The position of the latest change in the whole database: reading after it gives only later changes. */
export function endPosition(cache: RecordsCache): number {
  return cache.statement('SELECT value FROM sequence WHERE id = 1').pluck().get() as number;
}
