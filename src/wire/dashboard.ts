import type { DatasetJson, RunJson, WebhookJson } from './stats-json.js';

// The dashboard's answers, shared with the page's code (which must not import the server's).

/** Where the cache lives, as the overview shows it. */
export interface DatabaseJson {
  location: string;
  /** Bytes on disk, or null when the store cannot tell. */
  size: number | null;
  /** The store's name, as it gives it: 'SQLite', 'PostgreSQL', or a store a program registered. */
  store: string;
}

export interface OverviewJson {
  database: DatabaseJson;
  datasets: DatasetJson[];
  /** Webhook receivers and how far each is, as stats --json shows them. */
  webhooks: WebhookJson[];
}

/** What a dataset's page shows of it: its figures (null when it has none), its checkpoint, and its stored JSON Schema (null when it has none). */
export interface DatasetPageJson {
  database: DatabaseJson;
  dataset: DatasetJson | null;
  checkpoint: CheckpointJson;
  schema: Record<string, unknown> | boolean | null;
}

/** A dataset's checkpoint, as `rcache checkpoint` prints it. */
export interface CheckpointJson {
  checkpoint: Record<string, unknown> | null;
  version: number;
  updated_at: string | null;
}

/** A run with its number, which grows with every run committed in the database. */
export interface NumberedRunJson extends RunJson {
  number: number;
}
