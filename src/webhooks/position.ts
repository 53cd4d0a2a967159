import type { DeliveryHold } from '../stores/store.js';

/**
 * Keeps a URL's position in the database for its holder. While deliveries follow each other it
 * writes at most once every `every` ms, in the background, since a write may wait for the write
 * lock and a sync to disk, which cost more than a delivery; it writes and waits when asked (before
 * waiting for a commit, before recording a failure, before letting go). A deliverer killed
 * meanwhile has its last few deliveries made again.
 */
export class PositionKeeper {
  private position: number;
  private written: number;
  private delivered = 0;
  private deliveredAt = 0;
  private lastWrite = performance.now();
  private writing: Promise<boolean> | undefined;
  private lost = false;

  constructor(
    private readonly hold: DeliveryHold,
    private readonly now: () => number,
    private readonly every: number,
  ) {
    this.position = this.written = hold.position;
  }

  get current(): number {
    return this.position;
  }

  /** The receiver is done with the runs up to `position`, having taken it (`delivered`) or not needing it; false once the hold is known lost. */
  passed(position: number, delivered: boolean): boolean {
    this.position = position;
    if (delivered) {
      this.delivered++;
      this.deliveredAt = this.now();
    }
    if (this.writing === undefined && performance.now() - this.lastWrite >= this.every) {
      // A write that fails is made again by the next one, which reports the failure if it lasts.
      this.writing = this.write().finally(() => (this.writing = undefined));
      this.writing.catch(() => {});
    }
    return !this.lost;
  }

  /** Writes what is not written yet and waits for it; false when the hold was lost. */
  async flush(): Promise<boolean> {
    await this.writing?.catch(() => {});
    return this.write();
  }

  /** A failed attempt at the run after the position. */
  fail(error: string, at: number): Promise<boolean> {
    return this.hold.fail(error, at);
  }

  private async write(): Promise<boolean> {
    if (this.lost || (this.position === this.written && this.delivered === 0)) return !this.lost;
    const { position, delivered } = this;
    this.delivered = 0;
    this.lastWrite = performance.now();
    try {
      const held = await this.hold.advance(position, this.deliveredAt, delivered);
      if (held) this.written = Math.max(this.written, position);
      else this.lost = true;
      return held;
    } catch (error) {
      this.delivered += delivered;
      throw error;
    }
  }
}
