/** How long to wait before each new attempt at a delivery the receiver did not take. */
export interface Backoff {
  /** Before the second attempt, in ms; each later wait doubles it. */
  base: number;
  /** No wait is longer. */
  max: number;
}

/** Spread of each wait around its nominal length, so that deliverers retrying together drift apart. */
const JITTER = 0.2;

/**
 * The wait after the `failures`-th failed attempt in a row: base, then doubling, capped at max,
 * each within ±20 % (and never above max).
 */
export function retryDelay(failures: number, { base, max }: Backoff, random: () => number = Math.random): number {
  const nominal = Math.min(max, base * 2 ** Math.min(failures - 1, 52));
  return Math.min(max, Math.round(nominal * (1 - JITTER + 2 * JITTER * random())));
}
