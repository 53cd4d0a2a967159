import type { CheckpointJson, DatasetPageJson, NumberedRunJson, OverviewJson } from '../../src/wire/dashboard.js';
import type { DatasetJson, WebhookJson } from '../../src/wire/stats-json.js';
import type { Dataset } from '../../src/stores/store.js';

export type { Dataset };
export type DatasetStats = DatasetJson;
export type Run = NumberedRunJson;
export type Webhook = WebhookJson;
export type Overview = OverviewJson;
export type DatasetPage = DatasetPageJson;
export type CheckpointState = CheckpointJson;

export interface StreamItem {
  id: string;
  action: 'ADDED' | 'UPDATED' | 'DELETED';
  cursor: string;
  /** Bytes of the payload; null once it is pruned. */
  size: number | null;
  first_seen_at: string;
  last_modified_at: string;
  deleted_at: string | null;
  pruned_at: string | null;
  preview: string | null;
}

export interface Page {
  records: StreamItem[];
  next_cursor: string | null;
  /** The page stopped at the edge of the part of the stream one request searches. */
  partial: boolean;
}

export interface RecordDetail {
  record: Record<string, unknown> & {
    id: string;
    _nango_metadata: {
      first_seen_at: string;
      last_modified_at: string;
      last_action: string;
      deleted_at: string | null;
      pruned_at: string | null;
      cursor: string;
    };
  };
  size: number | null;
}

export function datasetParams(dataset: Dataset): Record<string, string> {
  return { integration: dataset.integration, connection: dataset.connection, model: dataset.model };
}

export function datasetHash(dataset: Dataset): string {
  return `#/dataset?${new URLSearchParams(datasetParams(dataset)).toString()}`;
}
