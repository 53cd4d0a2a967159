/*
 * The clock rule: a store stamps max(clock, last stamped). The clock is read once the run (or the
 * prune, or the reset) holds its locks, so that every change it stamps is no earlier than the
 * commits it waited for; and never earlier than a time stamped before, so that times never go
 * backwards when the clock steps back (or another host's clock is behind).
 */
export class RunClock {
  /** When the run began (its first call), on the caller's clock. */
  private readonly began: number;
  /** How far the stamped time is ahead of the caller's clock. */
  private ahead = 0;
  private stamped: number | undefined;

  constructor(private readonly clock: () => number) {
    this.began = clock();
  }

  /** For a store to call once the locks are held (BeginOptions.stamp, MaintenanceOptions.stamp). */
  readonly stamp = (lastStamped: number): number => {
    const now = this.clock();
    this.stamped = Math.max(now, lastStamped);
    this.ahead = this.stamped - now;
    return this.stamped;
  };

  /**
   * When the run began and finished, for its history: on the caller's clock moved by as much as
   * the stamped time is ahead of it, and around the stamped time.
   */
  span(): { startedAt: number; finishedAt: number } {
    const time = this.stamped!;
    return { startedAt: Math.min(this.began + this.ahead, time), finishedAt: Math.max(this.clock() + this.ahead, time) };
  }
}
