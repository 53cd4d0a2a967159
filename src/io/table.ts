import stringWidth from 'string-width';

/** A column of a human table. */
export interface Column {
  name: string;
  /** Numbers: aligned right. */
  right?: boolean;
  /** The narrowest it may be shortened to when the table is too wide (default: its header's width). */
  min?: number;
  /** The widest it is ever drawn. */
  max?: number;
  /** When the table is too wide even with every column at its narrowest, lower ranks are dropped first. */
  drop?: number;
}

export interface TableOptions {
  color: boolean;
  /** Columns available; undefined: as wide as the content (a pipe or a file). */
  width?: number;
  /** Rows held to decide the column widths before the first line is printed. */
  sample?: number;
}

const ASCII = /^[\x20-\x7e]*$/;
// Text where every UTF-16 unit is one character one column wide (printable Latin, Greek, most of
// Cyrillic, dashes and quotes): measured and cut by length, without the grapheme segmenter.
const NARROW = /^[\x20-\x7e\xa0-\xac\xae-\u02ff\u0370-\u0377\u037a-\u03ff\u0400-\u0482\u048a-\u04ff\u2010-\u2027\u2030-\u205e]*$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Control characters would move the cursor or end the line: they are shown escaped. */
function visible(text: string): string {
  return ASCII.test(text) ? text : text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One user-perceived character: a regional-indicator pair (a flag), or a character with the marks,
 * variation selectors, skin tones, tags and zero-width-joined characters that follow it. Close to
 * Unicode's extended grapheme cluster, and many times faster than Intl.Segmenter.
 */
const GRAPHEME = /\p{RI}\p{RI}|[^][\p{M}\u200c\ufe00-\ufe0f\u{1f3fb}-\u{1f3ff}\u{e0020}-\u{e007f}]*(?:\u200d[^][\p{M}\u200c\ufe00-\ufe0f\u{1f3fb}-\u{1f3ff}\u{e0020}-\u{e007f}]*)*/uy;
const widths = new Map<string, number>();

/** A long cell is cut before it is looked at, so a huge payload costs no more than a short one. */
function precut(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max * 4) return text;
  let end = max * 4;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Width of one grapheme: the common case (a Latin, Greek or Cyrillic letter) without a lookup. */
function graphemeWidth(grapheme: string): number {
  const code = grapheme.charCodeAt(0);
  if (grapheme.length === 1 && code >= 0x20 && code < 0x300 && code !== 0x7f) return 1;
  let width = widths.get(grapheme);
  if (width === undefined) {
    width = stringWidth(grapheme);
    if (widths.size < 10_000) widths.set(grapheme, width);
  }
  return width;
}

/**
 * Cuts `text` to at most `width` columns, never inside a character (grapheme), ending in `…` when
 * cut; returns the text and its width. Only as much of the text is looked at as can be shown.
 */
export function cut(text: string, width: number): [string, number] {
  if (ASCII.test(text) || NARROW.test(text)) return text.length <= width ? [text, text.length] : width <= 0 ? ['', 0] : [`${text.slice(0, width - 1)}…`, width];
  let used = 0;
  let fits = 0;
  let fitsWidth = 0;
  for (let at = 0; at < text.length; ) {
    GRAPHEME.lastIndex = at;
    GRAPHEME.test(text);
    const end = GRAPHEME.lastIndex;
    const w = graphemeWidth(text.slice(at, end));
    if (used + w > width) return width <= 0 ? ['', 0] : [`${text.slice(0, fits)}…`, fitsWidth + 1];
    used += w;
    at = end;
    if (used <= width - 1) {
      fits = at;
      fitsWidth = used;
    }
  }
  return [text, used];
}

/** Display width in terminal columns (CJK and most emoji take two), counted no further than `limit`. */
export function displayWidth(text: string, limit = Infinity): number {
  return ASCII.test(text) ? text.length : cut(text, limit)[1];
}

/**
 * Decides column widths to fit `width`: the least useful columns are shortened to their minimum
 * first, then dropped (least useful first) until the table fits; room left over goes back to the
 * most useful columns.
 */
export function fitColumns(columns: readonly Column[], natural: readonly number[], width: number | undefined): (number | undefined)[] {
  const full = natural.map((w, i) => Math.min(w, columns[i]!.max ?? Infinity));
  const widths: (number | undefined)[] = [...full];
  if (width === undefined) return widths;
  const total = () => widths.reduce<number>((sum, w) => (w === undefined ? sum : sum + w + 3), 1);
  const rank = (i: number) => columns[i]!.drop ?? Infinity;
  const order = columns.map((_, i) => i).sort((a, b) => rank(a) - rank(b));
  const shrink = (i: number, floor: number) => {
    const excess = total() - width;
    if (excess > 0 && widths[i] !== undefined) widths[i] = Math.max(Math.min(widths[i]!, floor), widths[i]! - excess);
  };
  for (const i of order) shrink(i, columns[i]!.min ?? displayWidth(columns[i]!.name));
  for (const i of order) if (total() > width && columns[i]!.drop !== undefined) widths[i] = undefined;
  for (const i of [...order].reverse()) {
    const room = width - total();
    if (room > 0 && widths[i] !== undefined) widths[i] = Math.min(full[i]!, widths[i]! + room);
  }
  for (const i of order) shrink(i, 1);
  return widths;
}

/**
 * A table printed as it goes: the column widths are decided from the first rows (held until
 * `sample` of them have come, or the end), then every row is printed at once, its cells cut to
 * those widths. Time is linear in the rows and memory bounded by the sample.
 */
export class TableStream {
  private held: string[][] | undefined = [];
  private widths: (number | undefined)[] = [];
  private readonly paint: { border: (text: string) => string; head: (text: string) => string };

  constructor(
    private readonly columns: readonly Column[],
    private readonly options: TableOptions,
  ) {
    const grey = (text: string) => `\u001b[90m${text}\u001b[39m`;
    const cyan = (text: string) => `\u001b[36m${text}\u001b[39m`;
    const plain = (text: string) => text;
    this.paint = { border: options.color ? grey : plain, head: options.color ? cyan : plain };
  }

  /** Adds a row; returns the text to print now (empty while the first rows are held). */
  push(row: readonly string[]): string {
    const cells = row.map((cell, i) => visible(precut(cell, this.columns[i]?.max)));
    if (this.held === undefined) return this.line(cells);
    this.held.push(cells);
    return this.held.length >= (this.options.sample ?? 1000) ? this.release() : '';
  }

  /** The rest of the table: held rows and the bottom border. */
  end(): string {
    return `${this.held === undefined ? '' : this.release()}${this.rule('└', '┴', '┘')}\n`;
  }

  private release(): string {
    const rows = this.held!;
    this.held = undefined;
    const natural = this.columns.map((column, i) => rows.reduce((w, row) => Math.max(w, displayWidth(row[i] ?? '', column.max)), displayWidth(column.name)));
    this.widths = fitColumns(this.columns, natural, this.options.width);
    const head = this.line(this.columns.map((c) => c.name), this.paint.head);
    return this.rule('┌', '┬', '┐') + '\n' + head + this.rule('├', '┼', '┤') + '\n' + rows.map((row) => this.line(row)).join('');
  }

  private rule(left: string, middle: string, right: string): string {
    const parts = this.widths.filter((w) => w !== undefined).map((w) => '─'.repeat(w + 2));
    return this.paint.border(left + parts.join(middle) + right);
  }

  /** A later cell wider than its column widens it while the table still fits (always on a pipe): nothing is cut that need not be. */
  private widen(cells: readonly string[]): string {
    let widened = false;
    for (let i = 0; i < this.columns.length; i++) {
      const width = this.widths[i];
      if (width === undefined) continue;
      const max = this.columns[i]!.max ?? Infinity;
      const need = Math.min(displayWidth(cells[i] ?? '', max), max);
      if (need <= width) continue;
      const drawn = this.widths.reduce<number>((sum, w) => (w === undefined ? sum : sum + w + 3), 1);
      const room = this.options.width === undefined ? Infinity : this.options.width - drawn;
      const grow = Math.min(need - width, room);
      if (grow <= 0) continue;
      this.widths[i] = width + grow;
      widened = true;
    }
    return widened ? this.rule('├', '┼', '┤') + '\n' : '';
  }

  private line(cells: readonly string[], paint: (text: string) => string = (text) => text): string {
    const bar = this.paint.border('│');
    let text = this.widen(cells) + bar;
    for (let i = 0; i < this.columns.length; i++) {
      const width = this.widths[i];
      if (width === undefined) continue;
      const [cell, used] = cut(cells[i] ?? '', width);
      const pad = ' '.repeat(width - used);
      text += ` ${paint(this.columns[i]!.right ? pad + cell : cell + pad)} ${bar}`;
    }
    return text + '\n';
  }
}

/** Columns of the terminal the stream is (COLUMNS, when set, wins); undefined for a pipe or a file. */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }, env = process.env): number | undefined {
  const columns = Number(env.COLUMNS);
  if (env.COLUMNS !== undefined && Number.isSafeInteger(columns) && columns > 0) return columns;
  return stream.isTTY === true && stream.columns ? stream.columns : undefined;
}

/** A whole table at once, fitted like a streamed one. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], options: TableOptions): string {
  const table = new TableStream(columns, { ...options, sample: Infinity });
  for (const row of rows) table.push(row);
  return table.end();
}
