import type { RunsAfter } from './reads.js';

// Webhook deliveries: a position per URL in the run history, and its holder.

/** What the store keeps of one webhook receiver, by URL. */
export interface DeliveryState {
  url: string;
  /** The number of the last run the receiver is done with (taken, or not to be sent). */
  position: number;
  /** Runs committed after the position. */
  backlog: number;
  /** Deliveries the receiver took. */
  delivered: number;
  /** Failed attempts, ever. */
  failures: number;
  /** Failed attempts at the run after the position, since it was last taken. */
  attempts: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastDeliveredAt: number | null;
  /** The deliverer holding the URL now (host and process), or null. */
  holder: string | null;
}

/**
 * One deliverer's hold on a URL: while it lasts, no other deliverer sends to that URL. Every
 * write says whether the hold still stood, and writes nothing when it did not.
 */
export interface DeliveryHold {
  readonly url: string;
  /** The URL's position when the hold was taken. */
  readonly position: number;
  /** The receiver is done with the runs up to `position` (the position never moves back), having taken `delivered` more deliveries, the last at `at`. */
  advance(position: number, at: number, delivered: number): Promise<boolean>;
  /** A failed attempt at the run after the position. */
  fail(error: string, at: number): Promise<boolean>;
  /** Whether the hold still stands, extending it where the store keeps holds as leases. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/** Durable webhook delivery: a position per URL in the run history, and one holder per URL. */
export interface Deliveries {
  /**
   * The URL's state, created first when the URL is new: at the end of the run history as it is
   * now ('end'), or before its first run ('beginning'). `created` says whether it was new.
   */
  register(url: string, start: 'end' | 'beginning'): Promise<{ state: DeliveryState; created: boolean }>;
  /**
   * Takes the URL for the caller, or undefined while another deliverer holds it. A holder that
   * dies releases it: at once where the store can tell (a session that ends, a process gone on
   * this host), else once `lease` ms pass without renew().
   */
  hold(url: string, options: { lease: number }): Promise<DeliveryHold | undefined>;
  /** Up to `limit` runs numbered above `after`. */
  runsAfter(after: number, limit: number): Promise<RunsAfter>;
  /** Every URL's state, by URL. */
  list(): Promise<DeliveryState[]>;
}
