import { describe, expect, it } from 'vitest';
import { IdSet } from '../src/cache/id-set.js';

describe('IdSet', () => {
  it('holds exactly the ids added, through growth, with unicode and look-alike ids', () => {
    const set = new IdSet();
    const ids = Array.from({ length: 50_000 }, (_, i) => (i % 3 === 0 ? `ü-${i}-😀` : String(i)));
    for (const id of ids) expect(set.add(id)).toBe(true);
    expect(set.size).toBe(ids.length);
    for (const id of ids) expect(set.has(id)).toBe(true);
    for (const id of ['50000', 'ü-1-😀', '', '0 ', 'x'.repeat(300)]) expect(set.has(id), id).toBe(false);
    expect(set.add('7')).toBe(false);
    expect(set.add('x'.repeat(2_000_000))).toBe(true);
    expect(set.has('x'.repeat(2_000_000))).toBe(true);
    expect(set.size).toBe(ids.length + 1);
  });
});
