import { describe, expect, it } from 'vitest';
import { TableStream, cut, fitColumns, renderTable, terminalWidth } from '../src/terminal/table.js';

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
  // Widths drawn: 1 + each column's width + 3.
  const records = [
    { name: 'id', text: true },
    { name: 'action', drop: 2 },
    { name: 'last modified', drop: 1 },
    { name: 'cursor' },
    { name: 'payload', excerpt: 20, max: 60, drop: 0 },
  ];
  const natural = [36, 7, 24, 24, 300];
  it.each([
    ['a pipe gets every column whole, the excerpt at its most', undefined, [36, 7, 24, 24, 60]],
    ['a wide terminal gives the excerpt all the room left', 200, [36, 7, 24, 24, 93]],
    ['the excerpt is cut first, down to its minimum', 140, [36, 7, 24, 24, 33]],
    ['then dropped rather than drawn narrower, then the columns of lowest rank', 120, [36, 7, 24, 24, undefined]],
    ['a cursor is never cut: other columns are dropped first', 80, [36, 7, undefined, 24, undefined]],
    ['text is cut, down to its header, only once all that can go has gone', 60, [29, undefined, undefined, 24, undefined]],
    ['what is never cut nor dropped makes the table wider than the terminal', 20, [2, undefined, undefined, 24, undefined]],
  ])('%s (%s columns)', (_, width, widths) => {
    expect(fitColumns(records, natural, width)).toEqual(widths);
  });

  const stats = [
    { name: 'integration', text: true, drop: 2, quiet: 'default' },
    { name: 'model', text: true },
    { name: 'live', right: true },
    { name: 'runs', right: true, drop: 0 },
    { name: 'last run', drop: 1 },
  ];
  it.each([
    ['a column saying only "default" goes first', [true], 60, [undefined, 7, 7, 4, 24]],
    ['else columns go by rank', [false], 65, [11, 7, 7, undefined, 24]],
    ['a dropped column that fits in the room a wider one left comes back', [false], 60, [11, 7, 7, 4, undefined]],
    ['a quiet column never comes back', [true], 45, [undefined, 7, 7, 4, undefined]],
    ['a header is never cut, though its cells are narrower', [false], 100, [11, 7, 7, 4, 24]],
  ])('%s', (_, quiet, width, widths) => {
    expect(fitColumns(stats, [7, 7, 7, 4, 24], width, quiet)).toEqual(widths);
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

  it('widens a column that is never cut by taking room from the excerpt, keeping the table within the terminal', () => {
    const table = new TableStream([{ name: 'cursor' }, { name: 'payload', excerpt: 4, drop: 0 }], { color: false, width: 24, sample: 1 });
    expect(table.push(['abcdef', '{"a":1234567890}'])).toBe(
      '┌────────┬─────────────┐\n│ cursor │ payload     │\n├────────┼─────────────┤\n│ abcdef │ {"a":12345… │\n',
    );
    expect(table.push(['abcdefgh', '{"a":1234567890}'])).toBe('├──────────┼───────────┤\n│ abcdefgh │ {"a":123… │\n');
    expect(table.end()).toBe('└──────────┴───────────┘\n');
  });
});

describe('a table on a terminal', () => {
  it('cuts a later cell that is wider than its column when the table has no room left to widen it', () => {
    const table = new TableStream(
      [
        { name: 'id', text: true },
        { name: 'n', right: true },
      ],
      { color: false, width: 12, sample: 1 },
    );
    expect(table.push(['abc', '1'])).toBe('┌─────┬───┐\n│ id  │ n │\n├─────┼───┤\n│ abc │ 1 │\n');
    expect(table.push(['abcdefgh', '2'])).toBe('├──────┼───┤\n│ abc… │ 2 │\n');
  });

  it('shows control characters escaped, so that a cell cannot move the cursor or end the line', () => {
    expect(renderTable([{ name: 'id' }], [['a\nb\u001b[2J']], { color: false })).toBe(
      '┌───────────────────┐\n│ id                │\n├───────────────────┤\n│ a\\u000ab\\u001b[2J │\n└───────────────────┘\n',
    );
  });

  it.each([
    [{ isTTY: true, columns: 120 }, {}, 120],
    [{ isTTY: true, columns: 120 }, { COLUMNS: '80' }, 80],
    [{ isTTY: false }, { COLUMNS: '80' }, 80],
    [{ isTTY: false }, {}, undefined],
    [{ isTTY: true, columns: 120 }, { COLUMNS: 'wide' }, 120],
    [{ isTTY: false }, { COLUMNS: '0' }, undefined],
  ])('a stream %j with %j is %s columns wide', (stream, env, width) => {
    expect(terminalWidth(stream, env)).toBe(width);
  });
});
