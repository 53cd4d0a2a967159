import type { Writable } from 'node:stream';

const SIZE = 256 * 1024;

/**
 * Buffered text output that respects backpressure. When the reader goes away (EPIPE) it turns
 * quiet: `closed` becomes true and further writes are dropped, so a producer can stop early.
 * Each write may carry a mark (a record's position); `confirmed` is the mark of the last text the
 * stream has accepted in full.
 */
export class Output {
  // Text is encoded into this buffer as it arrives: handing the stream one long string built from
  // many small pieces makes V8 flatten it first, which costs more than the encoding.
  private buffer = Buffer.allocUnsafe(SIZE);
  private used = 0;
  private bufferMark: number | undefined;
  private failure: Error | undefined;
  closed = false;
  confirmed: number | undefined;

  constructor(private readonly stream: Writable) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      this.closed = true;
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') this.failure = error;
    });
  }

  /** Adds text; returns a promise only when the buffer was handed to the stream and must drain. */
  write(text: string, mark?: number): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (this.used + text.length * 3 > this.buffer.length) {
      if (this.used > 0) return this.flush().then(() => this.write(text, mark));
      if (text.length * 3 > SIZE) return this.send(Buffer.from(text), mark);
    }
    this.used += this.buffer.write(text, this.used);
    if (mark !== undefined) this.bufferMark = mark;
    return undefined;
  }

  /** Hands the buffer to the stream and waits until the stream has taken it. */
  async flush(): Promise<void> {
    if (this.used > 0) {
      const bytes = this.buffer.subarray(0, this.used);
      this.used = 0;
      await this.send(bytes, this.bufferMark);
    }
    if (this.failure) throw this.failure;
  }

  /** Writes bytes and waits until the stream has taken them, so the buffer can be reused. */
  private send(bytes: Buffer, mark: number | undefined): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.stream.write(bytes, (error) => {
        if (error) this.closed = true;
        else if (mark !== undefined) this.confirmed = mark;
        resolve();
      });
    });
  }
}
