/**
 * A one-line progress report for long runs (records so far and records/s), redrawn a few times a
 * second on a terminal and erased at the end. On a pipe or a file it writes nothing at all.
 */
export class Progress {
  private readonly started = performance.now();
  private lastDraw = this.started;
  private drawn = false;

  constructor(
    private readonly stream: { isTTY?: boolean; write(text: string): unknown },
    private readonly label: string,
    private readonly everyMs = 250,
  ) {}

  update(records: number): void {
    if (this.stream.isTTY !== true) return;
    const now = performance.now();
    if (now - this.lastDraw < this.everyMs) return;
    this.lastDraw = now;
    const rate = Math.round(records / ((now - this.started) / 1000));
    this.stream.write(`\r\u001b[2K${this.label}: ${records.toLocaleString('en')} records, ${rate.toLocaleString('en')}/s`);
    this.drawn = true;
  }

  /** Erases the line, so the summary that follows stands alone. */
  done(): void {
    if (this.drawn) this.stream.write('\r\u001b[2K');
    this.drawn = false;
  }
}
