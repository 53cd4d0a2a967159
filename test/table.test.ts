import { describe, expect, it } from 'vitest';
import { TableStream, cut, fitColumns } from '../src/io/table.js';

describe('cutting cells', () => {
  it.each([
    ['🔥🔥🔥', 4, '🔥…', 3],
    ['東京都東京都', 7, '東京都…', 7],
    ['e\u0301e\u0301e\u0301abc', 3, 'e\u0301e\u0301…', 3],
    ['🇩🇪🇫🇷🇮🇹x', 5, '🇩🇪🇫🇷…', 5],
    ['👩‍👩‍👧‍👦👩‍👩‍👧‍👦x', 3, '👩‍👩‍👧‍👦…', 3],
    ['👍🏽👍🏽👍🏽', 5, '👍🏽👍🏽…', 5],
    ['Zürich — Łódź', 8, 'Zürich …', 8],
    ['short', 10, 'short', 5],
    ['exactly', 7, 'exactly', 7],
  ])('%s in %i columns is %s (%i wide)', (text, width, cutText, cutWidth) => {
    expect(cut(text, width)).toEqual([cutText, cutWidth]);
  });
});

describe('fitting columns', () => {
  const columns = [{ name: 'id', min: 10 }, { name: 'when', min: 24, drop: 1 }, { name: 'payload', max: 60, drop: 0 }];
  it('gives a pipe every column at its natural width (payload capped)', () => {
    expect(fitColumns(columns, [30, 24, 200], undefined)).toEqual([30, 24, 60]);
  });
  it('shortens the least useful columns first, then drops them, then gives room back', () => {
    expect(fitColumns(columns, [30, 24, 200], 80)).toEqual([30, 24, 16]);
    expect(fitColumns(columns, [30, 24, 200], 50)).toEqual([19, 24, undefined]);
    expect(fitColumns(columns, [30, 24, 200], 30)).toEqual([26, undefined, undefined]);
  });
});

describe('a streamed table', () => {
  it('prints the first page as soon as it is complete, before the rest has come', () => {
    const table = new TableStream([{ name: 'n', right: true }], { color: false, sample: 3 });
    expect(table.push(['1'])).toBe('');
    expect(table.push(['2'])).toBe('');
    expect(table.push(['3'])).toBe('┌───┐\n│ n │\n├───┤\n│ 1 │\n│ 2 │\n│ 3 │\n');
    expect(table.push(['4'])).toBe('│ 4 │\n');
    expect(table.push(['10'])).toBe('├────┤\n│ 10 │\n');
    expect(table.end()).toBe('└────┘\n');
  });
});
