import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordsCache } from './cache.js';
import { IdSet } from './id-set.js';
import { now } from './time.js';
import { emptySummary, type Dataset, type RunKind, type Summary } from './types.js';

export type RunCounts = Partial<Summary> & { pruned?: number };

/** Adds a run to the history that `stats --runs` shows. */
export function recordRun(cache: RecordsCache, kind: RunKind, dataset: Dataset, startedAt: number, finishedAt: number, counts: RunCounts): void {
  cache
    .statement(
      `INSERT INTO runs (kind, integration, connection, model, started_at, finished_at,
         added, updated, unchanged, deleted, unknown, duplicates, rejected, pruned)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      kind,
      dataset.integration,
      dataset.connection,
      dataset.model,
      startedAt,
      finishedAt,
      counts.added ?? 0,
      counts.updated ?? 0,
      counts.unchanged ?? 0,
      counts.deleted ?? 0,
      counts.unknown ?? 0,
      counts.duplicates ?? 0,
      counts.rejected ?? 0,
      counts.pruned ?? 0,
    );
  cache
    .statement('UPDATE datasets SET runs = runs + 1, last_run_at = ? WHERE integration = ? AND connection = ? AND model = ?')
    .run(finishedAt, dataset.integration, dataset.connection, dataset.model);
}

/** Changes to a dataset's kept counters, applied when the run commits. */
export interface CounterDelta {
  live: number;
  deleted: number;
  pruned: number;
  bytes: number;
}

/**
 * One writing run: a single transaction, taken when the first change is applied, so that change
 * positions are handed out in commit order. Nothing is visible to readers before commit().
 */
export abstract class Run {
  readonly summary: Summary = emptySummary();
  protected readonly delta: CounterDelta = { live: 0, deleted: 0, pruned: 0, bytes: 0 };
  protected readonly seen = new IdSet();
  protected datasetId = 0;
  /** The dataset had no records when the run began: only ids this run saved can be stored. */
  protected emptyAtStart = false;
  /** Time stamped on every record this run changes. */
  protected time = 0;
  /** The last change position before this run; records with a higher one were changed by it. */
  protected startSeq = 0;
  private seq = 0;
  private readonly startedAt = now();
  private open = false;
  private done = false;

  constructor(
    protected readonly cache: RecordsCache,
    readonly kind: RunKind,
    readonly dataset: Dataset,
  ) {}

  /**
   * Takes the write lock without blocking the event loop: while another writer holds it, this
   * retries every few milliseconds (up to the busy timeout), so a signal can still stop the wait.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.open) return;
    const db = this.cache.db;
    const deadline = Date.now() + this.cache.busyTimeout;
    const blocking = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma('busy_timeout = 0');
    try {
      for (;;) {
        try {
          this.begin();
          return;
        } catch (error) {
          const busy = String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY');
          if (!busy || Date.now() >= deadline) throw error;
        }
        try {
          await sleep(20, undefined, { signal });
        } catch (error) {
          throw signal?.aborted ? signal.reason : error;
        }
      }
    } finally {
      db.pragma(`busy_timeout = ${blocking}`);
    }
  }

  protected begin(): void {
    if (this.open) return;
    if (this.done) throw new Error('this run has already ended');
    this.cache.db.exec('BEGIN IMMEDIATE');
    this.open = true;
    this.time = now();
    this.startSeq = this.seq = this.cache.statement('SELECT value FROM sequence WHERE id = 1').pluck().get() as number;
    this.datasetId = this.cache.ensureDataset(this.dataset);
    this.emptyAtStart = this.cache.statement('SELECT NOT EXISTS (SELECT 1 FROM records WHERE dataset_id = ?)').pluck().get(this.datasetId) === 1;
  }

  protected nextSeq(): number {
    return ++this.seq;
  }

  /** The position nextSeq() will hand out, for a change that may not happen. */
  protected peekSeq(): number {
    return this.seq + 1;
  }

  /** Soft-deletes a live record: it keeps its payload and moves to the end of the stream. */
  protected markDeleted(rowid: number): void {
    this.cache
      .statement(`UPDATE records SET seq = ?, action = 'DELETED', deleted_at = ?, last_modified_at = ? WHERE rowid = ?`)
      .run(this.nextSeq(), this.time, this.time, rowid);
    this.delta.live--;
    this.delta.deleted++;
    this.summary.deleted++;
  }

  /** Notes an id's first or repeated appearance in this run; true when it was seen before. */
  protected see(id: string): boolean {
    if (this.seen.add(id)) return false;
    return this.seeAgain();
  }

  /** Counts a repeated appearance of an id known to be repeated without the set of ids. */
  protected seeAgain(): true {
    this.summary.duplicates++;
    return true;
  }

  /**
   * Counts each distinct id once, by what the run did to it overall: an id first found unchanged
   * and then changed by a later line moves from unchanged to updated.
   */
  protected countOutcome(outcome: 'added' | 'updated' | 'unchanged' | 'unknown', duplicate: boolean, changedInRun: boolean): void {
    if (!duplicate) {
      this.summary[outcome]++;
    } else if (!changedInRun && outcome !== 'unchanged' && outcome !== 'unknown') {
      this.summary.unchanged--;
      this.summary[outcome]++;
    }
  }

  /** Counts a line that was rejected as invalid and skipped. */
  reject(): void {
    this.summary.rejected++;
  }

  /** Work a run does after its input has ended, inside the same transaction. */
  protected finish(): void {}

  /** Whether this run counts as a sync of the dataset for dataset retention. */
  protected get isSync(): boolean {
    return this.kind === 'save' || this.kind === 'delete' || this.kind === 'update';
  }

  commit(): Summary {
    this.begin();
    try {
      this.finish();
      const changed = this.seq > this.startSeq;
      const finishedAt = now();
      if (changed) this.cache.statement('UPDATE sequence SET value = ? WHERE id = 1').run(this.seq);
      this.cache
        .statement(
          `UPDATE datasets SET live = live + ?, deleted = deleted + ?, pruned = pruned + ?, bytes = bytes + ?,
             last_sync_at = CASE WHEN ? THEN ? ELSE last_sync_at END,
             last_change_at = CASE WHEN ? THEN ? ELSE last_change_at END
           WHERE id = ?`,
        )
        .run(
          this.delta.live,
          this.delta.deleted,
          this.delta.pruned,
          this.delta.bytes,
          this.isSync ? 1 : 0,
          finishedAt,
          changed ? 1 : 0,
          this.time,
          this.datasetId,
        );
      recordRun(this.cache, this.kind, this.dataset, this.startedAt, finishedAt, { ...this.summary, pruned: this.prunedCount });
      this.cache.db.exec('COMMIT');
      this.done = true;
      this.open = false;
      return this.summary;
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Records pruned by this run, for the run history. */
  protected get prunedCount(): number {
    return 0;
  }

  /** Rolls back everything this run did. Safe to call more than once. */
  abort(): void {
    if (this.open && this.cache.db.inTransaction) this.cache.db.exec('ROLLBACK');
    this.open = false;
    this.done = true;
  }
}
