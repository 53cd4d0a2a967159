import { iso } from '../decisions/time.js';
import { displayUrl } from '../decisions/url.js';
import type { Dataset, DatasetCounts, DeliveryState, RunRecord, Summary } from '../stores/store.js';

/** A dataset's figures as `stats --json` prints them. */
export interface DatasetJson extends Dataset {
  live: number;
  deleted: number;
  pruned: number;
  bytes: number;
  runs: number;
  last_run_at: string | null;
  last_change_at: string | null;
  /** A JSON Schema is stored for the dataset. */
  schema: boolean;
}

/** A run as `stats --runs --json` prints it. */
export interface RunJson extends Dataset, Summary {
  kind: string;
  started_at: string;
  finished_at: string;
  pruned: number;
}

export function datasetJson({ lastRunAt, lastChangeAt, schema, ...counts }: DatasetCounts & { schema: boolean }): DatasetJson {
  return { ...counts, last_run_at: iso(lastRunAt), last_change_at: iso(lastChangeAt), schema };
}

export function runJson(run: RunRecord): RunJson {
  return {
    kind: run.kind,
    integration: run.integration,
    connection: run.connection,
    model: run.model,
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
    added: run.added,
    updated: run.updated,
    unchanged: run.unchanged,
    deleted: run.deleted,
    unknown: run.unknown,
    duplicates: run.duplicates,
    rejected: run.rejected,
    pruned: run.pruned,
  };
}

/** A webhook receiver as `stats --json` and the dashboard show it: its URL with no credentials. */
export interface WebhookJson {
  url: string;
  position: number;
  backlog: number;
  delivered: number;
  failures: number;
  attempts: number;
  last_error: string | null;
  last_error_at: string | null;
  last_delivered_at: string | null;
  holder: string | null;
}

export function webhookJson(state: DeliveryState): WebhookJson {
  return {
    url: displayUrl(state.url),
    position: state.position,
    backlog: state.backlog,
    delivered: state.delivered,
    failures: state.failures,
    attempts: state.attempts,
    last_error: state.lastError,
    last_error_at: iso(state.lastErrorAt),
    last_delivered_at: iso(state.lastDeliveredAt),
    holder: state.holder,
  };
}
