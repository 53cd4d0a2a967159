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
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
let graphemes: Intl.Segmenter | undefined;

/** Display width in terminal columns (CJK and most emoji take two). */
export function displayWidth(text: string): number {
  return ASCII.test(text) ? text.length : stringWidth(text);
}

/** Control characters would move the cursor or end the line: they are shown escaped. */
function visible(text: string): string {
  return ASCII.test(text) ? text : text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A long cell is cut before it is measured, so a huge payload costs no more than a short one. */
function precut(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max * 4) return text;
  let end = max * 4;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Cuts `text` to at most `width` columns, never inside a character (grapheme), ending in `…` when cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  if (ASCII.test(text)) return `${text.slice(0, width - 1)}…`;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let kept = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    kept += segment;
    used += w;
  }
  return `${kept}…`;
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
    const natural = this.columns.map((column, i) => rows.reduce((w, row) => Math.max(w, displayWidth(row[i] ?? '')), displayWidth(column.name)));
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
      const need = Math.min(displayWidth(cells[i] ?? ''), this.columns[i]!.max ?? Infinity);
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
      const cell = truncate(cells[i] ?? '', width);
      const pad = ' '.repeat(width - displayWidth(cell));
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
