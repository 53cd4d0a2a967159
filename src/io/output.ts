import type { Writable } from 'node:stream';

const FLUSH_AT = 64 * 1024;

/**
 * Buffered text output that respects backpressure. When the reader goes away (EPIPE) it turns
 * quiet: `closed` becomes true and further writes are dropped, so a producer can stop early.
 * Each write may carry a mark (a record's position); `confirmed` is the mark of the last text the
 * stream has accepted in full.
 */
export class Output {
  private buffer = '';
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
    this.buffer += text;
    if (mark !== undefined) this.bufferMark = mark;
    return this.buffer.length >= FLUSH_AT ? this.flush() : undefined;
  }

  /** Hands the buffer to the stream and waits until the stream has taken it. */
  async flush(): Promise<void> {
    if (!this.closed && this.buffer !== '') {
      const text = this.buffer;
      const mark = this.bufferMark;
      this.buffer = '';
      await new Promise<void>((resolve) => {
        this.stream.write(text, (error) => {
          if (error) this.closed = true;
          else if (mark !== undefined) this.confirmed = mark;
          resolve();
        });
      });
    }
    if (this.failure) throw this.failure;
  }
}
