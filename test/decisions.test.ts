import { describe, expect, it } from 'vitest';
import { newDatabaseId } from '../src/database-id.js';
import { decodeCursor, encodeCursor } from '../src/decisions/cursor.js';
import { parseFilter } from '../src/decisions/filter.js';
import { mergePartial } from '../src/decisions/merge.js';
import { wholeNumber } from '../src/decisions/number.js';
import { countOutcome, decideDelete, decideSave, decideUpdate, planRefresh, type Outcome, type StoredState } from '../src/decisions/outcome.js';
import { emptySummary } from '../src/types.js';

const TIME = 1_000;
const live: StoredState = { action: 'ADDED', firstSeenAt: 10, size: 5, deletedAt: null, prunedAt: null, changedInRun: false };
const deleted: StoredState = { ...live, action: 'DELETED', deletedAt: 20 };
const pruned: StoredState = { ...live, prunedAt: 30 };
const addedByThisRun: StoredState = { ...live, changedInRun: true };
const updatedByThisRun: StoredState = { ...live, action: 'UPDATED', changedInRun: true };

describe('save: the outcome table of SPEC §2', () => {
  const cases: { name: string; stored: StoredState | undefined; same?: boolean; outcome: Outcome; write: object; delta: object }[] = [
    {
      name: 'no stored record: stored, ADDED',
      stored: undefined,
      outcome: 'added',
      write: { kind: 'insert' },
      delta: { live: 1, deleted: 0, pruned: 0, bytes: 8 },
    },
    {
      name: 'live, same hash: nothing written',
      stored: live,
      same: true,
      outcome: 'unchanged',
      write: { kind: 'none' },
      delta: { live: 0, deleted: 0, pruned: 0, bytes: 0 },
    },
    {
      name: 'live, other hash: replaced, UPDATED, first seen kept',
      stored: live,
      same: false,
      outcome: 'updated',
      write: { kind: 'replace', action: 'UPDATED', firstSeenAt: 10 },
      delta: { live: 0, deleted: 0, pruned: 0, bytes: 3 },
    },
    {
      name: 'deleted: replaced, mark cleared, first seen reset, ADDED',
      stored: deleted,
      outcome: 'added',
      write: { kind: 'replace', action: 'ADDED', firstSeenAt: TIME },
      delta: { live: 1, deleted: -1, pruned: 0, bytes: 3 },
    },
    {
      name: 'pruned, same hash: payload restored, no change',
      stored: pruned,
      same: true,
      outcome: 'unchanged',
      write: { kind: 'restore' },
      delta: { live: 0, deleted: 0, pruned: -1, bytes: 8 },
    },
    {
      name: 'pruned, other hash: replaced, UPDATED',
      stored: pruned,
      same: false,
      outcome: 'updated',
      write: { kind: 'replace', action: 'UPDATED', firstSeenAt: 10 },
      delta: { live: 0, deleted: 0, pruned: -1, bytes: 8 },
    },
    {
      name: 'added earlier in this run, other content: still ADDED',
      stored: addedByThisRun,
      same: false,
      outcome: 'added',
      write: { kind: 'replace', action: 'ADDED', firstSeenAt: 10 },
      delta: { live: 0, deleted: 0, pruned: 0, bytes: 3 },
    },
    {
      name: 'updated earlier in this run, other content: UPDATED',
      stored: updatedByThisRun,
      same: false,
      outcome: 'updated',
      write: { kind: 'replace', action: 'UPDATED', firstSeenAt: 10 },
      delta: { live: 0, deleted: 0, pruned: 0, bytes: 3 },
    },
  ];
  it.each(cases)('$name', ({ stored, same, outcome, write, delta }) => {
    expect(decideSave(stored, same, 8, TIME)).toEqual({ outcome, write, delta });
  });
});

describe('delete and update', () => {
  it.each([
    ['unknown id: counted, nothing written', undefined, 'unknown', 'none'],
    ['already deleted: not a change', deleted, 'unchanged', 'none'],
    ['live: deleted mark, payload kept', live, 'unchanged', 'delete'],
  ] as const)('delete, %s', (_name, stored, outcome, write) => {
    const decision = decideDelete(stored);
    expect([decision.outcome, decision.write.kind]).toEqual([outcome, write]);
  });

  it.each([
    ['unknown', undefined, false, 'unknown', 'none'],
    ['deleted: not revived', deleted, false, 'unknown', 'none'],
    ['pruned: no payload to merge into', pruned, false, 'unknown', 'none'],
    ['live, merge changes nothing', live, true, 'unchanged', 'none'],
    ['live, merge changes the hash', live, false, 'updated', 'replace'],
    ['added in this run and merged', addedByThisRun, false, 'added', 'replace'],
  ] as const)('update, %s', (_name, stored, same, outcome, write) => {
    const decision = decideUpdate(stored, same, 9);
    expect([decision.outcome, decision.write.kind]).toEqual([outcome, write]);
  });

  it.each([
    ['objects merge key by key', '{"id":"a","o":{"x":1,"y":2}}', '{"id":"a","o":{"y":3}}', '{"id":"a","o":{"x":1,"y":3}}'],
    ['arrays replace', '{"id":"a","t":[1,2]}', '{"id":"a","t":[3]}', '{"id":"a","t":[3]}'],
    ['null replaces', '{"id":"a","o":{"x":1}}', '{"id":"a","o":null}', '{"id":"a","o":null}'],
    ['the id and metadata of the partial are left out', '{"id":"a","n":1}', '{"id":7,"_nango_metadata":{"x":1},"n":2}', '{"id":"a","n":2}'],
    ['key order and digits are kept', '{"id":"a","b":1,"a":12345678901234567890}', '{"id":"a","c":1.50}', '{"id":"a","b":1,"a":12345678901234567890,"c":1.50}'],
  ])('merge: %s', (_name, stored, partial, merged) => {
    expect(mergePartial(stored, partial)).toBe(merged);
  });
});

describe('counting distinct ids', () => {
  it.each([
    ['a new id', [['added', false, false]], { added: 1 }],
    [
      'an id seen twice, unchanged both times',
      [
        ['unchanged', false, false],
        ['unchanged', true, false],
      ],
      { unchanged: 1, duplicates: 1 },
    ],
    [
      'first unchanged, then changed by a later line',
      [
        ['unchanged', false, false],
        ['updated', true, false],
      ],
      { updated: 1, duplicates: 1 },
    ],
    [
      'added, then changed again in the same run',
      [
        ['added', false, false],
        ['added', true, true],
      ],
      { added: 1, duplicates: 1 },
    ],
    [
      'unknown twice',
      [
        ['unknown', false, false],
        ['unknown', true, false],
      ],
      { unknown: 1, duplicates: 1 },
    ],
  ] as const)('%s', (_name, lines, expected) => {
    const summary = emptySummary();
    for (const [outcome, duplicate, changedInRun] of lines) countOutcome(summary, outcome, duplicate, changedInRun);
    expect(summary).toEqual({ ...emptySummary(), ...expected });
  });
});

describe('full refresh', () => {
  it.each([
    ['records met, some lines rejected: no deletions (they might be the rejected ones)', { added: 1, rejected: 1 }, false, false, 'skip-rejected'],
    ['an empty input: refused', {}, false, false, 'refuse-empty'],
    ['an empty input, allowed: deletes', {}, true, false, 'detect-deletions'],
    ['an initial load: nothing can be missing', { added: 3 }, false, true, 'nothing-to-delete'],
    ['a complete export: deletes what it lacks', { unchanged: 2 }, false, false, 'detect-deletions'],
  ] as const)('%s', (_name, counts, allowEmpty, emptyAtStart, plan) => {
    expect(planRefresh({ ...emptySummary(), ...counts }, { allowEmpty, emptyAtStart })).toBe(plan);
  });
});

describe('cursors and filters', () => {
  it('database ids are URL-safe, of fixed length, and never read as an old cursor', () => {
    let calls = 0;
    // The first random draw encodes to "cmM6…", the start of an old cursor: it is drawn again.
    const random = (bytes: number) => (calls++ === 0 ? Buffer.from('rc:rc:rc:').subarray(0, bytes) : Buffer.alloc(bytes, 7));
    const id = newDatabaseId(random);
    expect(calls).toBe(2);
    expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(decodeCursor(encodeCursor(id, 5))).toEqual({ databaseId: id, position: 5 });
  });

  it.each([
    ['added', ['ADDED']],
    ['Updated, DELETED', ['UPDATED', 'DELETED']],
    ['added,added', ['ADDED']],
  ])('filter %s', (text, actions) => {
    expect(parseFilter(text)).toEqual(actions);
  });

  it('an unknown action is refused, naming what is allowed', () => {
    expect(() => parseFilter('added,gone')).toThrow("invalid filter 'added,gone': use added, updated, deleted, or a comma list of them");
  });
});

describe('whole numbers in options and query parameters', () => {
  it('takes decimal digits alone within the range, and nothing else', () => {
    expect(['0', '7', '007', '65535', String(Number.MAX_SAFE_INTEGER)].map((text) => wholeNumber(text))).toEqual([0, 7, 7, 65535, Number.MAX_SAFE_INTEGER]);
    for (const text of ['', ' 7', '7 ', '7\n', '+7', '-7', '7.0', '1e3', '0x10', 'Infinity', 'NaN', '٣', String(Number.MAX_SAFE_INTEGER + 1)]) {
      expect({ text, value: wholeNumber(text) }).toEqual({ text, value: undefined });
    }
    expect([wholeNumber('0', 1), wholeNumber('1', 1), wholeNumber('1000', 1, 1000), wholeNumber('1001', 1, 1000)]).toEqual([undefined, 1, 1000, undefined]);
  });
});
