import type { Action, CounterDelta, Summary } from '../types.js';

/** What the decisions look at in a stored record. */
export interface StoredState {
  action: Action;
  firstSeenAt: number;
  /** Bytes of the payload; counted in the dataset's bytes only while not pruned. */
  size: number;
  deletedAt: number | null;
  prunedAt: number | null;
  /** The record's latest change was made by the current run. */
  changedInRun: boolean;
}

export type Outcome = 'added' | 'updated' | 'unchanged' | 'unknown';

export type Write =
  | { kind: 'none' }
  | { kind: 'insert' }
  | { kind: 'replace'; action: 'ADDED' | 'UPDATED'; firstSeenAt: number }
  | { kind: 'restore' }
  | { kind: 'delete' };

export interface Decision {
  outcome: Outcome;
  write: Write;
  delta: CounterDelta;
}

const NONE: Write = { kind: 'none' };

function delta(live = 0, deleted = 0, pruned = 0, bytes = 0): CounterDelta {
  return { live, deleted, pruned, bytes };
}

/** Whether saving over `stored` needs to know if the content is the same (only a live record's does). */
export function needsComparison(stored: StoredState | undefined): boolean {
  return stored !== undefined && stored.deletedAt === null;
}

/** A record this run added stays ADDED however often it changes again: readers never saw it before. */
function changeAction(stored: StoredState): 'ADDED' | 'UPDATED' {
  return stored.changedInRun && stored.action === 'ADDED' ? 'ADDED' : 'UPDATED';
}

/**
 * SPEC §2, save: what a record of `size` bytes does to the stored record with its id. `sameContent`
 * (the canonical hashes are equal) is asked for only when needsComparison(stored).
 */
export function decideSave(stored: StoredState | undefined, sameContent: boolean | undefined, size: number, time: number): Decision {
  if (stored === undefined) return { outcome: 'added', write: { kind: 'insert' }, delta: delta(1, 0, 0, size) };
  const storedBytes = stored.prunedAt === null ? stored.size : 0;
  const unprune = stored.prunedAt === null ? 0 : -1;
  if (stored.deletedAt !== null) {
    return { outcome: 'added', write: { kind: 'replace', action: 'ADDED', firstSeenAt: time }, delta: delta(1, -1, unprune, size - storedBytes) };
  }
  if (sameContent) {
    if (stored.prunedAt === null) return { outcome: 'unchanged', write: NONE, delta: delta() };
    return { outcome: 'unchanged', write: { kind: 'restore' }, delta: delta(0, 0, -1, size) };
  }
  const action = changeAction(stored);
  return {
    outcome: action === 'ADDED' ? 'added' : 'updated',
    write: { kind: 'replace', action, firstSeenAt: stored.firstSeenAt },
    delta: delta(0, 0, unprune, size - storedBytes),
  };
}

/** SPEC §2, delete: a live record gets a deleted mark; an unknown or deleted one is not a change. */
export function decideDelete(stored: StoredState | undefined): Decision {
  if (stored === undefined) return { outcome: 'unknown', write: NONE, delta: delta() };
  if (stored.deletedAt !== null) return { outcome: 'unchanged', write: NONE, delta: delta() };
  return { outcome: 'unchanged', write: { kind: 'delete' }, delta: delta(-1, 1) };
}

/** Whether `update` can merge into the stored record: deleted records are not revived, and a pruned one has no payload. */
export function canMerge(stored: StoredState | undefined): stored is StoredState {
  return stored !== undefined && stored.deletedAt === null && stored.prunedAt === null;
}

/** SPEC §2, update: a merge that changes the hash is UPDATED (ADDED still, if this run added the record). */
export function decideUpdate(stored: StoredState | undefined, sameContent: boolean, size: number): Decision {
  if (!canMerge(stored)) return { outcome: 'unknown', write: NONE, delta: delta() };
  if (sameContent) return { outcome: 'unchanged', write: NONE, delta: delta() };
  const action = changeAction(stored);
  return {
    outcome: action === 'ADDED' ? 'added' : 'updated',
    write: { kind: 'replace', action, firstSeenAt: stored.firstSeenAt },
    delta: delta(0, 0, 0, size - stored.size),
  };
}

export function addDelta(total: CounterDelta, change: CounterDelta): void {
  total.live += change.live;
  total.deleted += change.deleted;
  total.pruned += change.pruned;
  total.bytes += change.bytes;
}

/**
 * Counts each distinct id once, by what the run did to it overall: an id first found unchanged
 * and then changed by a later line moves from unchanged to what the change made it. `duplicate`:
 * an earlier line of the run named the same id.
 */
export function countOutcome(summary: Summary, outcome: Outcome, duplicate: boolean, changedInRun: boolean): void {
  if (duplicate) summary.duplicates++;
  if (!duplicate) {
    summary[outcome]++;
  } else if (!changedInRun && outcome !== 'unchanged' && outcome !== 'unknown') {
    summary.unchanged--;
    summary[outcome]++;
  }
}

/** What a full refresh does once its input has ended. */
export type RefreshPlan = 'detect-deletions' | 'skip-rejected' | 'refuse-empty' | 'nothing-to-delete';

/**
 * Deletion detection's guards: a rejected line may have been a live record (deleting it would lose
 * data), and an empty input must not silently delete a whole dataset.
 */
export function planRefresh(summary: Summary, options: { allowEmpty?: boolean; emptyAtStart: boolean }): RefreshPlan {
  if (summary.rejected > 0) return 'skip-rejected';
  const distinct = summary.added + summary.updated + summary.unchanged;
  if (distinct === 0 && !options.allowEmpty) return 'refuse-empty';
  // After an initial load every live record is one the input named.
  return options.emptyAtStart ? 'nothing-to-delete' : 'detect-deletions';
}
