import type { StoredState, Write } from '../decisions/outcome.js';
import { DEFERRED_HASH, type PreparedRecord } from '../decisions/record.js';
import type { StoredRecord, WriteOp } from '../stores/store.js';
import type { Known } from './runs.js';

/** A record a save run wrote, as a later line for its id is decided against. */
export interface Written extends Known {
  /** The batch that wrote it (the run's count of applied batches then). */
  batch: number;
  /** While its insert is not yet written: where that insert stands in the batch's ops. */
  insertAt?: number;
  /** The line of the batch that wrote it. */
  index: number;
  /** With a version field: the version of the line that wrote it. */
  version?: string;
}

/** The writes of the batch being applied, by id, and the ops they make, in input order. */
export class BatchWrites {
  /** A dropped op is undefined. */
  private readonly ops: (WriteOp | undefined)[] = [];
  /** For each op: the record it writes. */
  private readonly owners: (Written | undefined)[] = [];

  constructor(readonly byId = new Map<string, Written>()) {}

  /** Adds the op of a decided `write` of `record` (of `size` bytes; line `index` of the run's batch `batch`) over what is stored. */
  add(
    write: Write,
    record: PreparedRecord,
    size: number,
    index: number,
    stored: StoredRecord | Written | undefined,
    state: StoredState | undefined,
    time: number,
    batch: number,
  ): void {
    if (write.kind === 'none' || write.kind === 'delete') return;
    const hash = record.hash ?? DEFERRED_HASH;
    const rowid = stored?.rowid;
    const { payload, rawHash } = record;
    const next: Written = {
      rowid,
      action: write.kind === 'replace' ? write.action : write.kind === 'insert' ? 'ADDED' : state!.action,
      firstSeenAt: write.kind === 'replace' ? write.firstSeenAt : write.kind === 'insert' ? time : state!.firstSeenAt,
      size,
      deletedAt: null,
      prunedAt: null,
      changedInRun: write.kind !== 'restore' || state!.changedInRun,
      hash: write.kind === 'restore' ? stored!.hash : hash,
      rawHash,
      payload,
      batch,
      index,
      version: record.version,
    };
    this.byId.set(record.id, next);
    const { ops, owners } = this;
    owners.push(next);
    if (write.kind === 'insert' || (write.kind === 'replace' && rowid === undefined)) {
      // A record inserted earlier in this batch is inserted once, with its last content, where the last line stands.
      const earlier = (stored as Written | undefined)?.insertAt;
      if (earlier !== undefined) ops[earlier] = owners[earlier] = undefined;
      next.insertAt = ops.length;
      ops.push({ op: 'insert', id: record.id, payload, hash, rawHash, size });
    } else if (write.kind === 'replace') {
      ops.push({ op: 'replace', rowid: rowid!, action: write.action, firstSeenAt: write.firstSeenAt, payload, hash, rawHash, size });
    } else {
      ops.push({ op: 'restore', rowid: rowid!, payload, rawHash, size });
    }
  }

  /** The ops to write, in order, with the record each writes. */
  pending(): { ops: WriteOp[]; owners: Written[] } {
    const ops: WriteOp[] = [];
    const owners: Written[] = [];
    this.ops.forEach((op, i) => {
      if (op === undefined) return;
      ops.push(op);
      owners.push(this.owners[i]!);
    });
    return { ops, owners };
  }
}
