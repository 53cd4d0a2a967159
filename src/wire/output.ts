import type { Writable } from 'node:stream';

const SIZE = 256 * 1024;

export interface OutputOptions {
  /** Ends every wait for the stream at once: a stalled reader must not hold up a stop. */
  signal?: AbortSignal;
  /** Called with the mark of each chunk the stream has taken in full, and the bytes taken so far. */
  onConfirmed?: (mark: number, bytes: number) => void;
}

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
  private failure: unknown;
  private unsent = 0;
  closed = false;
  confirmed: number | undefined;
  /** Bytes the stream has taken in full. */
  taken = 0;

  constructor(
    private readonly stream: Writable,
    private readonly options: OutputOptions = {},
  ) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      this.closed = true;
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') this.failure = error;
    });
  }

  /** Whether text handed to the stream is still waiting for its reader (a stop left it behind). */
  get stalled(): boolean {
    return this.unsent > 0;
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

  /** Adds `bytes[start, end)`, as write adds text. */
  writeBytes(bytes: Uint8Array, start: number, end: number, mark?: number): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (this.used + end - start > this.buffer.length) {
      if (this.used > 0) return this.flush().then(() => this.writeBytes(bytes, start, end, mark));
      if (end - start > SIZE) return this.send(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start), mark);
    }
    this.buffer.set(new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start), this.used);
    this.used += end - start;
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

  /** Writes bytes and waits until the stream has taken them (or the signal stops the wait). */
  private send(bytes: Buffer, mark: number | undefined): Promise<void> {
    const { signal, onConfirmed } = this.options;
    if (this.closed || signal?.aborted) return Promise.resolve();
    this.unsent++;
    return new Promise<void>((resolve) => {
      const stop = () => {
        // The buffer may still be in the stream's hands: never write into it again.
        this.buffer = Buffer.allocUnsafe(SIZE);
        this.closed = true;
        resolve();
      };
      signal?.addEventListener('abort', stop, { once: true });
      this.stream.write(bytes, (error) => {
        this.unsent--;
        signal?.removeEventListener('abort', stop);
        if (error) this.closed = true;
        else this.taken += bytes.length;
        if (!error && mark !== undefined) {
          this.confirmed = mark;
          try {
            onConfirmed?.(mark, this.taken);
          } catch (failure) {
            this.failure = failure;
            this.closed = true;
          }
        }
        resolve();
      });
    });
  }
}
