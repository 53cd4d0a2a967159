import { createHash, createHmac } from 'node:crypto';
import { iso } from '../decisions/time.js';
import type { RunAfter } from '../stores/store.js';

/** Nango's sync webhook, as `@nangohq/types` declares NangoSyncWebhookBodySuccess. */
export interface SyncWebhook {
  from: 'nango';
  type: 'sync';
  connectionId: string;
  providerConfigKey: string;
  syncName: string;
  syncVariant: string;
  model: string;
  responseResults: { added: number; updated: number; deleted: number };
  syncType: 'INITIAL' | 'INCREMENTAL';
  success: true;
  /** No later than any change of the run: `GET /records?modified_after=` this time reads them all. */
  modifiedAfter: string;
  /** Nango's older name for modifiedAfter. */
  queryTimeStamp: string;
}

/** rcache's own: every record of the dataset was removed (a reset, or expiry); a copy must be dropped and read again from the beginning. */
export interface ResyncWebhook {
  from: 'nango';
  type: 'resync';
  connectionId: string;
  providerConfigKey: string;
  syncName: string;
  syncVariant: string;
  model: string;
  reason: 'reset' | 'expired';
  /** When the records were removed. */
  resetAt: string;
}

export type Webhook = SyncWebhook | ResyncWebhook;

/** What a run of the history is to a receiver. */
type RunMeaning = 'sync' | 'reset' | 'expired' | 'none';

/**
 * Save, delete and update are sync runs; a reset, and a prune that removed a dataset (expiry, the
 * only prune that drops no payloads), empty the dataset; a prune of payloads changes nothing a
 * reader of changes sees.
 */
function meaningOf(run: { kind: string; pruned: number }): RunMeaning {
  if (run.kind === 'save' || run.kind === 'delete' || run.kind === 'update') return 'sync';
  if (run.kind === 'reset') return 'reset';
  if (run.kind === 'prune' && run.pruned === 0) return 'expired';
  return 'none';
}

/** Nango keeps a variant other than "base" as the model `<model>::<variant>` (so does `rcache serve`). */
function modelAndVariant(model: string): { model: string; syncVariant: string } {
  const at = model.indexOf('::');
  return at > 0 && at + 2 < model.length ? { model: model.slice(0, at), syncVariant: model.slice(at + 2) } : { model, syncVariant: 'base' };
}

/**
 * The webhook a run makes, or undefined when it makes none: a sync run that changed nothing
 * (unless `always`), a prune of payloads. A dataset's first sync run, or its first after a reset
 * or expiry, is INITIAL.
 */
export function webhookOf(run: RunAfter, always: boolean): Webhook | undefined {
  const meaning = meaningOf(run);
  const { model, syncVariant } = modelAndVariant(run.model);
  const names = { connectionId: run.connection, providerConfigKey: run.integration, syncName: model, syncVariant, model };
  if (meaning === 'reset' || meaning === 'expired') {
    return { from: 'nango', type: 'resync', ...names, reason: meaning, resetAt: iso(run.startedAt) };
  }
  if (meaning === 'none') return undefined;
  const responseResults = { added: run.added, updated: run.updated, deleted: run.deleted };
  if (!always && responseResults.added + responseResults.updated + responseResults.deleted === 0) return undefined;
  const first = run.previous === null || meaningOf(run.previous) === 'reset' || meaningOf(run.previous) === 'expired';
  const modifiedAfter = iso(run.startedAt);
  return {
    from: 'nango',
    type: 'sync',
    ...names,
    responseResults,
    syncType: first ? 'INITIAL' : 'INCREMENTAL',
    success: true,
    modifiedAfter,
    queryTimeStamp: modifiedAfter,
  };
}

/**
 * Nango's two signature headers over the body as sent: X-Nango-Hmac-Sha256 (HMAC-SHA256 of the
 * body with the key, which `verifyIncomingWebhookRequest` checks) and X-Nango-Signature (the older
 * SHA-256 of key and body, which `verifyWebhookSignature` checks).
 */
export function signatureHeaders(body: string, key: string): Record<string, string> {
  return {
    'X-Nango-Hmac-Sha256': createHmac('sha256', key).update(body).digest('hex'),
    'X-Nango-Signature': createHash('sha256').update(`${key}${body}`).digest('hex'),
  };
}

/** The same for every attempt at one run, whichever deliverer makes it: a receiver can drop repeats by it. */
export function idempotencyKey(databaseId: string, run: number): string {
  return `${databaseId}-${run}`;
}
