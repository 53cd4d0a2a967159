import { setTimeout as sleep } from 'node:timers/promises';
import type { Cache } from '../cache/cache.js';
import { StoreError } from '../errors.js';
import type { Deliveries, DeliveryHold, RunAfter } from '../stores/store.js';
import { retryDelay, type Backoff } from './backoff.js';
import { idempotencyKey, signatureHeaders, webhookOf, type Webhook } from './payload.js';
import { PositionKeeper } from './position.js';
import { post, type Connections } from './post.js';
import { scrub, type Receiver } from './receiver.js';

/** What a deliverer tells its caller as it goes; `url` is always the receiver's printable URL. */
export type WebhookEvent =
  /** The URL's position was read, or (`created`) set for a URL not seen before. */
  | { type: 'started'; url: string; position: number; backlog: number; created: boolean }
  /** Another deliverer holds the URL; this one takes over when it lets go. */
  | { type: 'waiting'; url: string; holder: string | null }
  | { type: 'holding'; url: string; position: number }
  | { type: 'delivered'; url: string; run: number; webhook: Webhook; status: number; ms: number }
  | { type: 'failed'; url: string; run: number; error: string; failures: number; retryIn: number }
  /** The hold lapsed (another deliverer took the URL): this one waits to take it again. */
  | { type: 'lost'; url: string }
  /** The database could not be reached or was locked; tried again after `retryIn` ms. */
  | { type: 'store-error'; url: string; error: string; retryIn: number };

/** What every URL's deliverer of one call shares. */
export interface Settings {
  cache: Cache;
  deliveries: Deliveries;
  databaseId: string;
  signingKey: string | undefined;
  /** Whether a run's dataset is one to deliver. */
  accepts: (run: RunAfter) => boolean;
  always: boolean;
  start: 'end' | 'beginning';
  backoff: Backoff;
  timeout: number;
  lease: number;
  /** How often to look for a commit the store is not told of at once. */
  interval: number;
  connections: Connections;
  now: () => number;
  emit: (event: WebhookEvent) => void;
}

/** Runs read at once. */
const BATCH = 100;
/** Store failures that pass: a lock held for long, a server restarting. */
const TRANSIENT = new Set(['busy', 'cannot-connect']);
/** How soon to read again when a run numbered below one read may still be committed. */
const GAP_RECHECK = 100;
/** While deliveries follow each other, a URL's position is written at most this often (ms). */
const POSITION_EVERY = 100;

/** Sleeps `ms`; false when the signal stopped the sleep. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Delivers the runs of the history to one URL, in order, each until the receiver takes it. */
export class UrlDeliverer {
  constructor(
    private readonly receiver: Receiver,
    private readonly settings: Settings,
    private readonly signal: AbortSignal,
  ) {}

  private emit(event: WebhookEvent): void {
    this.settings.emit(event);
  }

  /** Until the signal aborts; rejects only on a store failure that does not pass. */
  async run(): Promise<void> {
    const { deliveries, backoff } = this.settings;
    const url = this.receiver.display;
    let registered = false;
    let storeFailures = 0;
    while (!this.signal.aborted) {
      try {
        if (!registered) {
          const { state, created } = await deliveries.register(this.receiver.key, this.settings.start);
          this.emit({ type: 'started', url, position: state.position, backlog: state.backlog, created });
          registered = true;
        }
        const hold = await this.acquire();
        if (hold === undefined) return;
        storeFailures = 0;
        try {
          await this.deliverWhileHeld(hold);
        } finally {
          await hold.release();
        }
      } catch (error) {
        if (!(error instanceof StoreError) || !TRANSIENT.has(error.kind)) throw error;
        const retryIn = retryDelay(++storeFailures, backoff);
        this.emit({ type: 'store-error', url, error: error.message, retryIn });
        if (!(await pause(retryIn, this.signal))) return;
      }
    }
  }

  /** Takes the URL, waiting while another deliverer holds it; undefined once the signal aborts. */
  private async acquire(): Promise<DeliveryHold | undefined> {
    const { deliveries, lease } = this.settings;
    for (let told = false; !this.signal.aborted; told = true) {
      const hold = await deliveries.hold(this.receiver.key, { lease });
      if (hold !== undefined) {
        this.emit({ type: 'holding', url: this.receiver.display, position: hold.position });
        return hold;
      }
      if (!told) {
        const holder = (await deliveries.list()).find((state) => state.url === this.receiver.key)?.holder ?? null;
        this.emit({ type: 'waiting', url: this.receiver.display, holder });
      }
      if (!(await pause(Math.min(1000, lease / 3), this.signal))) return undefined;
    }
    return undefined;
  }

  /** Delivers while the hold stands and the signal has not aborted. */
  private async deliverWhileHeld(hold: DeliveryHold): Promise<void> {
    const { cache, deliveries, now, lease } = this.settings;
    const lost = new AbortController();
    const signal = AbortSignal.any([this.signal, lost.signal]);
    const check = (held: boolean) => {
      if (!held) lost.abort();
      return held;
    };
    // A renewal that fails (the database locked for long) leaves the hold to the next write to settle.
    const renewing = setInterval(() => void hold.renew().then(check, () => {}), Math.max(10, lease / 3));
    const keeper = new PositionKeeper(hold, now, POSITION_EVERY);
    try {
      while (!signal.aborted) {
        // Read before the runs: a commit made while they are delivered ends the wait below at once.
        const version = await cache.version();
        const { runs, waiting } = await deliveries.runsAfter(keeper.current, BATCH);
        for (const run of runs) {
          const webhook = this.settings.accepts(run) ? webhookOf(run, this.settings.always) : undefined;
          if (webhook !== undefined && !(await this.send(keeper, run.number, webhook, signal, check))) return;
          if (!check(keeper.passed(run.number, webhook !== undefined))) return;
        }
        if (runs.length === BATCH) continue;
        if (!check(await keeper.flush())) return;
        const deadline = waiting ? Date.now() + GAP_RECHECK : Number.POSITIVE_INFINITY;
        const interval = waiting ? Math.min(this.settings.interval, GAP_RECHECK) : this.settings.interval;
        const { reason } = await cache.waitForCommit(version, { interval, signal, stop: () => Date.now() >= deadline });
        if (reason === 'replaced') throw new StoreError('dataset-changed', 'the database was deleted or replaced while webhooks were being delivered from it');
      }
    } finally {
      clearInterval(renewing);
      // What was delivered before stopping stays delivered.
      if (!lost.signal.aborted) await keeper.flush().catch(() => false);
      if (lost.signal.aborted && !this.signal.aborted) this.emit({ type: 'lost', url: this.receiver.display });
    }
  }

  /** Sends one webhook until the receiver takes it; false when stopped first, or the hold was lost. */
  private async send(keeper: PositionKeeper, run: number, webhook: Webhook, signal: AbortSignal, check: (held: boolean) => boolean): Promise<boolean> {
    const { signingKey, timeout, backoff, now } = this.settings;
    const body = JSON.stringify(webhook);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'rcache',
      'Idempotency-Key': idempotencyKey(this.settings.databaseId, run),
      ...(signingKey === undefined ? {} : signatureHeaders(body, signingKey)),
      ...(this.receiver.authorization === undefined ? {} : { Authorization: this.receiver.authorization }),
    };
    const url = this.receiver.display;
    for (let failures = 1; ; failures++) {
      const started = performance.now();
      const attempt = await post(this.receiver.key, body, headers, { timeout, signal, connections: this.settings.connections });
      if (signal.aborted) return false;
      if (attempt.taken) {
        this.emit({ type: 'delivered', url, run, webhook, status: attempt.status, ms: Math.round(performance.now() - started) });
        return true;
      }
      const error = scrub(attempt.error, [signingKey, ...this.receiver.secrets]);
      if (!check((await keeper.flush()) && (await keeper.fail(error, now())))) return false;
      const retryIn = retryDelay(failures, backoff);
      this.emit({ type: 'failed', url, run, error, failures, retryIn });
      if (!(await pause(retryIn, signal))) return false;
    }
  }
}
