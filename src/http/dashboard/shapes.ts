import type { DatasetJson, WebhookJson } from '../../io/stats-json.js';

// The dashboard's answers, shared with the page's code (which must not import the server's).

/** Where the cache lives, as the overview shows it. */
export interface DatabaseJson {
  location: string;
  /** Bytes on disk, or null when the store cannot tell. */
  size: number | null;
  store: 'sqlite' | 'postgres';
}

export interface OverviewJson {
  database: DatabaseJson;
  datasets: DatasetJson[];
  /** Webhook receivers and how far each is, as stats --json shows them. */
  webhooks: WebhookJson[];
  /** Changes with every commit to the database. */
  version: string;
}
