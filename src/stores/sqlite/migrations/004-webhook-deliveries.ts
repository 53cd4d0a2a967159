/**
 * Webhook receivers, by URL: how far each is through the run history (the number of the last run
 * it is done with: runs.number), its counters and last error, and which deliverer holds it, as a
 * lease that its holder renews (with its host, process id and pid namespace, so that a deliverer on
 * the same host can tell at once that a holder's process is gone).
 */
export default `
  CREATE TABLE webhook_deliveries (
    url TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_at INTEGER,
    last_delivered_at INTEGER,
    holder TEXT,
    holder_host TEXT,
    holder_pid INTEGER,
    holder_pidns TEXT,
    lease_until INTEGER
  ) STRICT;
`;
