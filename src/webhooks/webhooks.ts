import type { Cache } from '../cache/cache.js';
import { InvalidArgumentError } from '../errors.js';
import type { RunAfter } from '../stores/store.js';
import { UrlDeliverer, type Settings, type WebhookEvent } from './deliverer.js';
import { Connections } from './post.js';
import { receiverOf, type Receiver } from './receiver.js';

export interface WebhookOptions {
  /** The receivers, each sent every run in order. */
  urls: readonly string[];
  /** Signs each delivery as Nango does (X-Nango-Hmac-Sha256, X-Nango-Signature); unsigned without it. */
  signingKey?: string;
  /** Only runs of these models (every model without it). */
  models?: readonly string[];
  /** Only runs of this integration. */
  integration?: string;
  /** Only runs of this connection. */
  connection?: string;
  /** Also send sync runs that changed nothing. */
  always?: boolean;
  /** A URL not seen before starts before the first run of the history, rather than after the last one. */
  fromBeginning?: boolean;
  /** The wait before the second attempt at a delivery, in ms (default 1,000); each later one doubles, with jitter. */
  retryDelay?: number;
  /** The longest wait between attempts, in ms (default 300,000). */
  maxRetryDelay?: number;
  /** How long to wait for a receiver's answer, in ms (default 20,000). */
  timeout?: number;
  /** Where holds are leases (SQLite): how long a hold outlives a holder that stopped renewing it, in ms (default 30,000). */
  lease?: number;
  /** How often to look for a commit the store is not told of at once, in ms (default: 50 on SQLite, 1,000 on PostgreSQL, which is told). */
  interval?: number;
  /** Stops delivering: the promise resolves once every URL's deliverer has stopped. */
  signal?: AbortSignal;
  /** Told of each delivery, failure and change of hold. */
  onEvent?: (event: WebhookEvent) => void;
}

/** A positive number of milliseconds, or the default. */
function duration(options: WebhookOptions, key: 'retryDelay' | 'maxRetryDelay' | 'timeout' | 'lease' | 'interval', fallback: number): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || value > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`must be a number of milliseconds above 0, not ${String(value)}`, key);
  }
  return value;
}

/** The receivers, each once (a URL given twice, or with other credentials, is one receiver). */
function receiversOf(urls: readonly string[] | undefined): Receiver[] {
  if (!Array.isArray(urls) || urls.length === 0) throw new InvalidArgumentError('must list at least one URL', 'urls');
  const byKey = new Map<string, Receiver>();
  for (const url of urls) {
    if (typeof url !== 'string') throw new InvalidArgumentError(`must be a list of URLs, not of ${typeof url}`, 'urls');
    const receiver = receiverOf(url);
    if (!byKey.has(receiver.key)) byKey.set(receiver.key, receiver);
  }
  return [...byKey.values()];
}

function filterOf(options: WebhookOptions): (run: RunAfter) => boolean {
  const models = options.models === undefined || options.models.length === 0 ? undefined : new Set(options.models);
  const { integration, connection } = options;
  return (run) =>
    (models === undefined || models.has(run.model)) &&
    (integration === undefined || run.integration === integration) &&
    (connection === undefined || run.connection === connection);
}

/**
 * Delivers the cache's runs as Nango's sync webhooks to every URL, until the signal aborts: each
 * URL gets every run at least once, in run order, each one retried until the receiver takes it,
 * from a position kept in the database. One URL failing holds up no other. Give it a Cache of its
 * own (not one that also writes): on SQLite its writes would otherwise join an open run.
 */
export async function deliverWebhooks(cache: Cache, options: WebhookOptions): Promise<void> {
  const receivers = receiversOf(options.urls);
  if (options.signingKey !== undefined && (typeof options.signingKey !== 'string' || options.signingKey === '')) {
    throw new InvalidArgumentError('must be a non-empty string', 'signingKey');
  }
  const base = duration(options, 'retryDelay', 1000);
  const info = await cache.info();
  const settings: Settings = {
    cache,
    deliveries: cache.deliveries(),
    databaseId: info.id,
    signingKey: options.signingKey,
    accepts: filterOf(options),
    always: options.always === true,
    start: options.fromBeginning === true ? 'beginning' : 'end',
    backoff: { base, max: Math.max(base, duration(options, 'maxRetryDelay', 300_000)) },
    timeout: duration(options, 'timeout', 20_000),
    lease: duration(options, 'lease', 30_000),
    interval: duration(options, 'interval', info.kind === 'SQLite' ? 50 : 1000),
    connections: new Connections(),
    now: cache.now,
    emit: (event) => options.onEvent?.(event),
  };
  // One URL's failure that does not pass (the database gone) stops the others too.
  const failed = new AbortController();
  const signal = options.signal === undefined ? failed.signal : AbortSignal.any([options.signal, failed.signal]);
  const results = await Promise.allSettled(
    receivers.map((receiver) =>
      new UrlDeliverer(receiver, settings, signal).run().catch((error: unknown) => {
        failed.abort();
        throw error;
      }),
    ),
  );
  settings.connections.close();
  const rejected = results.find((result) => result.status === 'rejected');
  if (rejected !== undefined) throw rejected.reason;
}
