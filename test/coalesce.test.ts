import { describe, expect, test } from 'vitest';
import { coalesce } from '../src/input/coalesce.js';
import { splitLines, type LineBatch } from '../src/input/ndjson.js';
import { until } from './harness.js';

function batch(file: string, firstLine: number, lines: string[], bad?: number[]): LineBatch {
  const made: LineBatch = { file, firstLine, lines };
  if (bad) made.bad = new Map(bad.map((index) => [index, { reason: `bad ${firstLine + index}` }]));
  else made.bytes = Buffer.from(lines.join('\n'));
  return made;
}

/** The batches in turn; with `gate`, each after `gate(i)` resolves (input that trickles in). */
async function* from(batches: LineBatch[], gate?: (i: number) => Promise<void>): AsyncGenerator<LineBatch> {
  for (const [i, one] of batches.entries()) {
    await gate?.(i);
    yield one;
  }
}

async function collect(batches: AsyncIterable<LineBatch>): Promise<LineBatch[]> {
  const out: LineBatch[] = [];
  for await (const one of batches) out.push(one);
  return out;
}

describe('joining batches of lines for a store that wants fewer, larger ones', () => {
  test('consecutive batches of a file become one, with their line numbers, bad lines and bytes intact', async () => {
    const joined = await collect(coalesce(from([batch('a', 1, ['x', 'y']), batch('a', 3, ['z']), batch('a', 4, ['', 'w'], [0])]), 1 << 20));
    expect(joined).toHaveLength(1);
    expect(joined[0]!.firstLine).toBe(1);
    expect(joined[0]!.lines).toEqual(['x', 'y', 'z', '', 'w']);
    expect([...joined[0]!.bad!]).toEqual([[3, { reason: 'bad 4' }]]);
    // One batch without its bytes: the join has none, so nothing reads bytes that do not match.
    expect(joined[0]!.bytes).toBeUndefined();
    const clean = await collect(coalesce(from([batch('a', 1, ['x', 'y']), batch('a', 3, ['z'])]), 1 << 20));
    expect(splitLines(clean[0]!.bytes!)).toEqual(clean[0]!.lines);
  });

  test('another file, a gap in line numbers, or the size reached starts a new batch', async () => {
    const joined = await collect(
      coalesce(from([batch('a', 1, ['1']), batch('b', 1, ['2']), batch('b', 5, ['3']), batch('b', 6, ['4444']), batch('b', 7, ['5'])]), 4),
    );
    expect(joined.map((one) => [one.file, one.firstLine, one.lines])).toEqual([
      ['a', 1, ['1']],
      ['b', 1, ['2']],
      ['b', 5, ['3', '4444']],
      ['b', 7, ['5']],
    ]);
  });

  test('input that trickles in is passed on as it comes, not held for more', async () => {
    // Each batch comes only once the one before was passed on: a join that held it for more would wait for ever.
    const seen: string[][] = [];
    const trickle = from([batch('a', 1, ['x']), batch('a', 2, ['y']), batch('a', 3, ['z'])], (i) =>
      until(() => seen.length >= i, 'the batch before to be passed on', 5_000),
    );
    for await (const one of coalesce(trickle, 1 << 20)) seen.push(one.lines);
    expect(seen).toEqual([['x'], ['y'], ['z']]);
  });
});
