import { storedPayloadHash } from '../decisions/hash.js';
import { mergePartial } from '../decisions/merge.js';
import { canMerge, decideDelete, decideUpdate } from '../decisions/outcome.js';
import { DEFERRED_HASH, parseId, prepareRecord, RecordError } from '../decisions/record.js';
import type { Dataset, Store, StoredRecord, WriteOp } from '../stores/store.js';
import { IdSet } from './id-set.js';
import type { ReadyRules } from './line-rules.js';
import { LibraryRun, stateOf, type Known } from './runs.js';

/** A `delete` run: live records get a deleted mark and keep their last payload. */
export class DeleteRun extends LibraryRun {
  private readonly seen = new IdSet();

  constructor(store: Store, dataset: Dataset, now: () => number) {
    super(store, 'delete', dataset, now);
  }

  /** Deletes a batch of ids; unknown and already-deleted ids are counted, not changes. */
  async write(ids: readonly string[], signal?: AbortSignal): Promise<void> {
    if (ids.length === 0) return;
    const run = await this.begin(signal);
    const fresh: string[] = [];
    for (const id of ids) {
      if (this.seen.add(id)) fresh.push(id);
      else this.summary.duplicates++;
    }
    if (run === undefined) {
      // No such dataset: every id is unknown, and nothing is created.
      this.summary.unknown += fresh.length;
      return;
    }
    const stored = await run.lookup(fresh);
    const ops: WriteOp[] = [];
    for (const id of fresh) {
      const row = stored.get(id);
      if (row !== undefined && this.changedSince(row, run)) {
        this.skipped++;
        continue;
      }
      const decision = decideDelete(stateOf(row, run.startPosition));
      if (decision.write.kind === 'delete') {
        ops.push({ op: 'delete', rowid: row!.rowid });
        this.summary.deleted++;
        this.delta.live += decision.delta.live;
        this.delta.deleted += decision.delta.deleted;
      } else {
        this.summary[decision.outcome]++;
      }
    }
    await run.write(ops);
  }
}

/** A partial record: the fields to change in the stored record with this id. */
export interface PartialRecord {
  id: string;
  text: string;
  /** Rejects the line it came from, as a bad line of the input is (a merge too deep to make). */
  reject?: (reason: string) => void;
}

/** Reads one line of `update` input, or throws RecordError. */
export function preparePartial(text: string, reject?: (reason: string) => void): PartialRecord {
  return { id: parseId(text), text, reject };
}

/**
 * An `update` run: partial records deep-merged into live records. The merged payload is hashed
 * like a saved one, so saving the same content later is unchanged, and checked against the
 * schema when there is one.
 */
export class UpdateRun extends LibraryRun {
  private readonly seen = new IdSet();

  constructor(
    store: Store,
    dataset: Dataset,
    private readonly rules: ReadyRules,
    now: () => number,
  ) {
    super(store, 'update', dataset, now);
  }

  async write(partials: readonly PartialRecord[], signal?: AbortSignal): Promise<void> {
    if (partials.length === 0) return;
    const run = await this.begin(signal);
    if (run === undefined) {
      // No such dataset: every record is unknown, and nothing is created.
      for (const partial of partials) this.count('unknown', !this.seen.add(partial.id), false);
      return;
    }
    const stored = await run.lookup([...new Set(partials.map((partial) => partial.id))]);
    const mergeable = [...stored.values()].filter((row) => canMerge(stateOf(row, run.startPosition)));
    const payloads = await run.payloads(mergeable.map((row) => row.rowid));
    // Records merged earlier in this batch: a later partial merges into the result.
    const merged = new Map<string, Known>();
    const ops: WriteOp[] = [];
    for (const partial of partials) {
      const duplicate = !this.seen.add(partial.id);
      const row: StoredRecord | Known | undefined = merged.get(partial.id) ?? stored.get(partial.id);
      if (row !== undefined && !('changedInRun' in row) && this.changedSince(row, run)) {
        if (duplicate) this.summary.duplicates++;
        else this.skipped++;
        continue;
      }
      const state = stateOf(row, run.startPosition);
      if (!canMerge(state)) {
        this.count('unknown', duplicate, false);
        continue;
      }
      const before = 'payload' in row! ? row.payload : payloads.get(row!.rowid!)!;
      let record: ReturnType<typeof prepareRecord>;
      try {
        record = prepareRecord(mergePartial(before, partial.text), this.rules.ignore, this.rules.checks);
      } catch (error) {
        if (!(error instanceof RecordError) || partial.reject === undefined) throw error;
        partial.reject(error.message);
        continue;
      }
      const storedHash = row!.hash === DEFERRED_HASH ? storedPayloadHash(before) : row!.hash;
      const size = Buffer.byteLength(record.payload);
      const decision = decideUpdate(state, record.hash === storedHash, size);
      this.count(decision.outcome, duplicate, state.changedInRun, decision.delta);
      if (decision.write.kind !== 'replace') continue;
      const { action, firstSeenAt } = decision.write;
      ops.push({ op: 'replace', rowid: row!.rowid!, action, firstSeenAt, payload: record.payload, hash: record.hash!, rawHash: record.rawHash, size });
      merged.set(partial.id, {
        ...state,
        rowid: row!.rowid,
        action,
        changedInRun: true,
        size,
        hash: record.hash!,
        rawHash: record.rawHash,
        payload: record.payload,
      });
    }
    await run.write(ops);
  }
}
