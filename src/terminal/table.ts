import { cut, displayWidth, precut, visible } from './cells.js';
import { palette } from './palette.js';

export { cut, displayWidth };

export type Tone = 'green' | 'yellow' | 'red';

/** A column of a human table. Unless it says otherwise, its cells are never cut: numbers, times, cursors. */
export interface Column {
  name: string;
  /** Numbers: aligned right. */
  right?: boolean;
  /** Text (ids, names): cut, down to its header's width, when the table is too wide with every droppable column dropped. */
  text?: boolean;
  /**
   * An excerpt (the payload): cut first, down to this width, before any column is dropped; dropped
   * rather than drawn narrower; given the room a wide terminal leaves.
   */
  excerpt?: number;
  /** The widest it is drawn on a pipe or a file. */
  max?: number;
  /** When the table is too wide, columns with a rank are dropped, lowest first. */
  drop?: number;
  /** A value that says nothing (`default`): a droppable column holding only it is dropped before any other. */
  quiet?: string;
  /** The colour of a cell, when colour is on. */
  tone?: (cell: string) => Tone | undefined;
}

export interface TableOptions {
  color: boolean;
  /** Columns available; undefined: as wide as the content (a pipe or a file). */
  width?: number;
  /** Rows held to decide the column widths before the first line is printed. */
  sample?: number;
}

/** Columns in the order they give way: quiet ones first, then by rank; those that are never dropped last. */
function yieldOrder(columns: readonly Column[], quiet: readonly boolean[]): number[] {
  const rank = (i: number) => (columns[i]!.drop === undefined ? Infinity : quiet[i] ? -Infinity : columns[i]!.drop!);
  return columns.map((_, i) => i).sort((a, b) => rank(a) - rank(b) || a - b);
}

const drawnWidth = (widths: readonly (number | undefined)[]) => widths.reduce<number>((sum, w) => (w === undefined ? sum : sum + w + 3), 1);

/**
 * Decides column widths to fit `width`: the excerpt is cut first, down to its minimum; then
 * columns are dropped, quiet ones first and then by rank, until the table fits; a dropped column
 * that fits in the room left comes back; room left over goes back to the excerpt. Text is cut only when the columns that are never dropped do not fit,
 * and other cells never: such a table is wider than `width`. `quiet[i]`: column i holds only its
 * quiet value.
 */
export function fitColumns(
  columns: readonly Column[],
  natural: readonly number[],
  width: number | undefined,
  quiet: readonly boolean[] = [],
): (number | undefined)[] {
  const header = (i: number) => displayWidth(columns[i]!.name);
  const full = natural.map((w, i) => Math.max(width === undefined ? Math.min(w, columns[i]!.max ?? Infinity) : w, header(i)));
  const widths: (number | undefined)[] = [...full];
  if (width === undefined) return widths;
  const order = yieldOrder(columns, quiet);
  const shrink = (i: number, floor: number) => {
    const excess = drawnWidth(widths) - width;
    if (excess > 0 && widths[i] !== undefined) widths[i] = Math.max(Math.min(widths[i]!, floor), widths[i]! - excess);
  };
  for (const i of order) if (columns[i]!.excerpt !== undefined) shrink(i, Math.max(columns[i]!.excerpt!, header(i)));
  for (const i of order) if (drawnWidth(widths) > width && columns[i]!.drop !== undefined) widths[i] = undefined;
  // A dropped column that fits in the room a wider one left comes back, the most useful first.
  for (const i of [...order].reverse()) {
    const narrowest = columns[i]!.excerpt === undefined ? full[i]! : Math.min(full[i]!, Math.max(columns[i]!.excerpt!, header(i)));
    if (widths[i] === undefined && !quiet[i] && drawnWidth(widths) + narrowest + 3 <= width) widths[i] = narrowest;
  }
  for (const i of [...order].reverse()) {
    const room = width - drawnWidth(widths);
    if (room > 0 && widths[i] !== undefined) widths[i] = Math.min(full[i]!, widths[i]! + room);
  }
  for (const i of order) if (columns[i]!.text || columns[i]!.excerpt !== undefined) shrink(i, header(i));
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
  private order: number[] = [];
  private readonly paint: { border: (text: string) => string; head: (text: string) => string; tone: (tone: Tone, text: string) => string };
  private readonly bar: string;

  constructor(
    private readonly columns: readonly Column[],
    private readonly options: TableOptions,
  ) {
    const c = palette(options.color);
    this.paint = { border: c.gray, head: c.cyan, tone: (tone, text) => c[tone](text) };
    this.bar = c.gray('│');
  }

  /** Adds a row; returns the text to print now (empty while the first rows are held). */
  push(row: readonly string[]): string {
    const cells = row.map((cell, i) => visible(precut(cell, this.limit(i))));
    if (this.held === undefined) return this.line(cells);
    this.held.push(cells);
    return this.held.length >= (this.options.sample ?? 1000) ? this.release() : '';
  }

  /** The rest of the table: held rows and the bottom border. */
  end(): string {
    return `${this.held === undefined ? '' : this.release()}${this.rule('└', '┴', '┘')}\n`;
  }

  /** How much of a cell is ever looked at: an excerpt on a terminal may take the whole width. */
  private limit(i: number): number | undefined {
    const column = this.columns[i];
    return column?.excerpt !== undefined && this.options.width !== undefined ? this.options.width : column?.max;
  }

  private release(): string {
    const rows = this.held!;
    this.held = undefined;
    const natural = this.columns.map((column, i) => rows.reduce((w, row) => Math.max(w, displayWidth(row[i] ?? '', this.limit(i))), displayWidth(column.name)));
    const quiet = this.columns.map((column, i) => column.quiet !== undefined && rows.length > 0 && rows.every((row) => row[i] === column.quiet));
    this.widths = fitColumns(this.columns, natural, this.options.width, quiet);
    this.order = yieldOrder(this.columns, quiet);
    const head = this.line(
      this.columns.map((c) => c.name),
      this.paint.head,
    );
    return this.rule('┌', '┬', '┐') + '\n' + head + this.rule('├', '┼', '┤') + '\n' + rows.map((row) => this.line(row)).join('');
  }

  private rule(left: string, middle: string, right: string): string {
    const parts = this.widths.filter((w) => w !== undefined).map((w) => '─'.repeat(w + 2));
    return this.paint.border(left + parts.join(middle) + right);
  }

  /**
   * A later cell wider than its column widens it while the table still fits (always on a pipe):
   * nothing is cut that need not be. A cell that is never cut takes the room it needs from the
   * excerpt and text columns, as far as their headers.
   */
  private widen(cells: readonly string[]): string {
    let widened = false;
    for (let i = 0; i < this.columns.length; i++) {
      const width = this.widths[i];
      if (width === undefined) continue;
      const column = this.columns[i]!;
      const max = this.limit(i) ?? Infinity;
      const need = Math.min(displayWidth(cells[i] ?? '', max), max);
      if (need <= width) continue;
      const whole = !column.text && column.excerpt === undefined;
      const room = () => (this.options.width === undefined ? Infinity : this.options.width - drawnWidth(this.widths));
      for (const j of whole ? this.order : []) {
        const other = this.widths[j];
        const give = Math.min(need - width - room(), (other ?? 0) - displayWidth(this.columns[j]!.name));
        if (j === i || other === undefined || give <= 0 || !(this.columns[j]!.text || this.columns[j]!.excerpt !== undefined)) continue;
        this.widths[j] = other - give;
      }
      const grow = whole ? need - width : Math.min(need - width, room());
      if (grow <= 0) continue;
      this.widths[i] = width + grow;
      widened = true;
    }
    return widened ? this.rule('├', '┼', '┤') + '\n' : '';
  }

  private line(cells: readonly string[], paint?: (text: string) => string): string {
    const bar = this.bar;
    let text = this.widen(cells) + bar;
    for (let i = 0; i < this.columns.length; i++) {
      const width = this.widths[i];
      if (width === undefined) continue;
      const column = this.columns[i]!;
      const [shown, used] = cut(cells[i] ?? '', width);
      const tone = paint === undefined && this.options.color ? column.tone?.(cells[i] ?? '') : undefined;
      const cell = paint ? paint(shown) : tone ? this.paint.tone(tone, shown) : shown;
      const pad = ' '.repeat(width - used);
      text += ` ${column.right ? pad + cell : cell + pad} ${bar}`;
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
