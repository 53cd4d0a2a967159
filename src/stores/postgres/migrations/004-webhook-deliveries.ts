/**
 * Webhook receivers, by URL: how far each is through the run history (the number of the last run
 * it is done with: rcache.runs.number), its counters and last error. `id` names the URL's
 * advisory lock, which its deliverer holds for as long as its session lasts; `holder` says who
 * that is, for stats.
 */
export default `
  CREATE TABLE rcache.webhook_deliveries (
    url text COLLATE "C" PRIMARY KEY,
    id integer GENERATED ALWAYS AS IDENTITY UNIQUE,
    position bigint NOT NULL,
    delivered bigint NOT NULL DEFAULT 0,
    failures bigint NOT NULL DEFAULT 0,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    last_error_at bigint,
    last_delivered_at bigint,
    holder text
  );
`;
