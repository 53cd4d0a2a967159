import { InvalidArgumentError, type InterruptedError } from '../errors.js';
import { displayLocation } from '../stores/open.js';
import type { WebhookEvent } from '../webhooks/deliverer.js';
import type { Webhook } from '../webhooks/payload.js';
import { receiverOf } from '../webhooks/receiver.js';
import { deliverWebhooks } from '../webhooks/webhooks.js';
import { interruptible, open, plural, UsageError, type GlobalOptions } from './context.js';

export interface WebhooksOptions extends GlobalOptions {
  url: string[];
  model?: string[];
  signingKey?: string;
  always?: boolean;
  fromBeginning?: boolean;
  timeout: string;
  retryDelay: string;
}

/** Which of the dataset options were given (on the command line or in the environment) rather than left at their default. */
export interface Narrowing {
  integration: boolean;
  connection: boolean;
}

function parseSeconds(text: string, option: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 86400) {
    throw new UsageError(`${option} takes a number of seconds greater than 0, not '${text}'`);
  }
  return Math.max(1, Math.round(seconds * 1000));
}

function what(webhook: Webhook): string {
  if (webhook.type === 'resync') return `resync ${webhook.model}: ${webhook.reason}`;
  const { added, updated, deleted } = webhook.responseResults;
  return `${webhook.syncType.toLowerCase()} ${webhook.model}: ${added} added, ${updated} updated, ${deleted} deleted`;
}

/** One line on stderr per delivery, failure and change of hold. */
function describe(event: WebhookEvent, fromBeginning: boolean): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  switch (event.type) {
    case 'started':
      if (event.created) return `${event.url}: new receiver, starting ${fromBeginning ? 'from the first run' : `after run ${event.position}, the latest`}`;
      return `${event.url}: resuming after run ${event.position}, ${plural(event.backlog, 'run')} since${fromBeginning ? ' (--from-beginning applies only to a URL not seen before)' : ''}`;
    case 'waiting':
      return `${event.url}: held by another deliverer${event.holder === null ? '' : ` (${event.holder})`}; taking over when it stops`;
    case 'holding':
      return `${event.url}: taken over, delivering the runs after run ${event.position}`;
    case 'delivered':
      return `${event.url}: run ${event.run} (${what(event.webhook)}) taken: ${event.status} in ${event.ms} ms`;
    case 'failed':
      return `${event.url}: run ${event.run} not taken (${event.error}); attempt ${event.failures + 1} in ${seconds(event.retryIn)}`;
    case 'lost':
      return `${event.url}: another deliverer took the URL over; waiting to take it back`;
    case 'store-error':
      return `${event.url}: ${event.error}; trying again in ${seconds(event.retryIn)}`;
  }
}

/** Delivers runs as Nango's sync webhooks until SIGINT or SIGTERM, then stops cleanly. */
export async function webhooks(options: WebhooksOptions, narrowing: Narrowing): Promise<void> {
  for (const url of options.url) {
    try {
      receiverOf(url);
    } catch (error) {
      throw error instanceof InvalidArgumentError ? new UsageError(`--url ${error.reason}`) : error;
    }
  }
  if (options.signingKey === '') throw new UsageError('--signing-key (RCACHE_WEBHOOK_SIGNING_KEY) must not be empty; unset it to send unsigned webhooks');
  const timeout = parseSeconds(options.timeout, '--timeout');
  const retryDelay = parseSeconds(options.retryDelay, '--retry-delay');
  const log = (line: string) => process.stderr.write(`rcache webhooks: ${line}\n`);
  const stop = interruptible();
  const cache = await open(options).catch((error: unknown) => {
    stop.dispose();
    throw error;
  });
  try {
    const urls = new Set(options.url.map((url) => receiverOf(url).key));
    const waiting = new Set<string>();
    log(`delivering the runs of ${displayLocation(options.db)} to ${plural(urls.size, 'URL')}`);
    if (options.signingKey === undefined) log('no signing key: deliveries are not signed (set RCACHE_WEBHOOK_SIGNING_KEY or --signing-key)');
    await deliverWebhooks(cache, {
      urls: options.url,
      signingKey: options.signingKey,
      models: options.model,
      integration: narrowing.integration ? options.integration : undefined,
      connection: narrowing.connection ? options.connection : undefined,
      always: options.always,
      fromBeginning: options.fromBeginning,
      timeout,
      retryDelay,
      signal: stop.signal,
      onEvent: (event) => {
        // Taking the URL is news only after waiting for it.
        if (event.type === 'waiting' || event.type === 'lost') waiting.add(event.url);
        if (event.type === 'holding' && !waiting.delete(event.url)) return;
        log(describe(event, options.fromBeginning === true));
      },
    });
    if (stop.signal.aborted) log(`stopped by ${(stop.signal.reason as InterruptedError).signal}`);
  } finally {
    stop.dispose();
    await cache.close();
  }
}
