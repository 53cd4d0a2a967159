import { describe, expect, it } from 'vitest';
import { IdSet } from '../src/cache/id-set.js';
import { RowSet } from '../src/cache/row-set.js';

describe('IdSet', () => {
  it('holds exactly the ids added, through growth, with unicode and look-alike ids', () => {
    const set = new IdSet();
    // Enough ids to fill several of its 1 MiB chunks.
    const ids = Array.from({ length: 150_000 }, (_, i) => (i % 3 === 0 ? `ü-${i}-😀` : String(i).padStart(12, 'n')));
    // One expectation over all of them: an expect per id costs more than the set.
    expect(ids.filter((id) => !set.add(id))).toEqual([]);
    expect(set.size).toBe(ids.length);
    expect(ids.filter((id) => !set.has(id))).toEqual([]);
    for (const id of ['150000', 'n', 'ü-1-😀', '', '0 ', 'x'.repeat(300)]) expect(set.has(id), id).toBe(false);
    expect(set.add('nnnnnnnnnnn7')).toBe(false);
    expect(set.add('x'.repeat(2_000_000))).toBe(true);
    expect(set.has('x'.repeat(2_000_000))).toBe(true);
    expect(set.add('after the long one')).toBe(true);
    expect(set.has('x'.repeat(1_999_999))).toBe(false);
    expect([...ids.slice(0, 1000), 'after the long one'].filter((id) => !set.has(id))).toEqual([]);
    expect(set.size).toBe(ids.length + 2);
  });
});

describe('RowSet', () => {
  it('holds exactly the row ids added, dense or far apart', () => {
    const set = new RowSet();
    const rowids = [1, 2, 31, 32, 33, 65_535, 65_536, 65_537, 1_000_000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1];
    for (const rowid of rowids) expect(set.add(rowid), String(rowid)).toBe(true);
    for (const rowid of rowids) expect(set.add(rowid), String(rowid)).toBe(false);
    for (const rowid of rowids) expect(set.has(rowid)).toBe(true);
    for (const rowid of [3, 30, 34, 65_534, 65_538, 999_999, 2 ** 31 + 1, 2 ** 32 + 4, 2 ** 53 - 2]) expect(set.has(rowid), String(rowid)).toBe(false);
    for (let rowid = 100; rowid < 200_000; rowid += 3) set.add(rowid);
    for (let rowid = 100; rowid < 200_000; rowid++) {
      if (set.has(rowid) !== ((rowid - 100) % 3 === 0 || rowids.includes(rowid))) throw new Error(`row ${rowid}`);
    }
  });
});
