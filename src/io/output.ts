import type { Writable } from 'node:stream';

const FLUSH_AT = 64 * 1024;

/**
 * Buffered text output that respects backpressure. When the reader goes away (EPIPE) it turns
 * quiet: `closed` becomes true and further writes are dropped, so a producer can stop early.
 */
export class Output {
  private buffer = '';
  private failure: Error | undefined;
  closed = false;

  constructor(private readonly stream: Writable) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      this.closed = true;
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') this.failure = error;
    });
  }

  /** Adds text; returns a promise only when the buffer was handed to the stream and must drain. */
  write(text: string): Promise<void> | undefined {
    if (this.closed) return undefined;
    this.buffer += text;
    return this.buffer.length >= FLUSH_AT ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.closed || this.buffer === '') return this.check();
    const text = this.buffer;
    this.buffer = '';
    if (!this.stream.write(text)) await this.drained();
    this.check();
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
