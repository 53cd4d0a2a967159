import type { DatasetStats, RunStats } from '../../src/cache/stats.js';
import type { Dataset } from '../../src/cache/types.js';
import type { DatabaseInfo } from '../../src/http/dashboard/source.js';

export type { Dataset, DatasetStats };
export type Run = RunStats;

export interface Overview {
  database: DatabaseInfo;
  datasets: DatasetStats[];
  version: string;
}

export interface StreamItem {
  id: string;
  action: 'ADDED' | 'UPDATED' | 'DELETED';
  cursor: string;
  size: number;
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
  size: number;
}

export function datasetParams(dataset: Dataset): Record<string, string> {
  return { integration: dataset.integration, connection: dataset.connection, model: dataset.model };
}

export function datasetHash(dataset: Dataset): string {
  return `#/dataset?${new URLSearchParams(datasetParams(dataset)).toString()}`;
}
