/**
 * Datasets with kept counters, records keyed by (dataset, row) and unique by (dataset, id) and
 * (dataset, position), the run history, and the database's identity. Positions come from one
 * sequence, taken only while the dataset's row lock is held, so that they follow commit order
 * within a dataset; it has no cache, as positions from several sessions must be handed out in
 * call order. Row keys may be taken in blocks.
 */
export default `
  CREATE SCHEMA rcache;

  CREATE TABLE rcache.meta (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    schema_version integer NOT NULL,
    database_id text NOT NULL,
    -- The latest change time of datasets that were expired: times stamped never go backwards.
    last_time bigint NOT NULL DEFAULT 0
  );

  CREATE SEQUENCE rcache.positions AS bigint NO CYCLE;
  CREATE SEQUENCE rcache.keys AS bigint CACHE 1000;

  CREATE TABLE rcache.datasets (
    uid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    integration text COLLATE "C" NOT NULL,
    connection text COLLATE "C" NOT NULL,
    model text COLLATE "C" NOT NULL,
    generation integer NOT NULL DEFAULT 0,
    live bigint NOT NULL DEFAULT 0,
    deleted bigint NOT NULL DEFAULT 0,
    pruned bigint NOT NULL DEFAULT 0,
    bytes bigint NOT NULL DEFAULT 0,
    runs bigint NOT NULL DEFAULT 0,
    last_run_at bigint,
    last_sync_at bigint,
    last_change_at bigint,
    last_time bigint NOT NULL DEFAULT 0,
    UNIQUE (integration, connection, model)
  );

  CREATE TABLE rcache.records (
    dataset_uid bigint NOT NULL,
    key bigint NOT NULL DEFAULT nextval('rcache.keys'),
    id text COLLATE "C" NOT NULL,
    position bigint NOT NULL,
    action text NOT NULL CHECK (action IN ('ADDED', 'UPDATED', 'DELETED')),
    hash text NOT NULL,
    raw_hash text NOT NULL,
    payload text,
    size integer NOT NULL,
    first_seen_at bigint NOT NULL,
    last_modified_at bigint NOT NULL,
    deleted_at bigint,
    pruned_at bigint,
    PRIMARY KEY (dataset_uid, key),
    UNIQUE (dataset_uid, id),
    UNIQUE (dataset_uid, position)
  );

  CREATE TABLE rcache.runs (
    number bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL,
    integration text COLLATE "C" NOT NULL,
    connection text COLLATE "C" NOT NULL,
    model text COLLATE "C" NOT NULL,
    started_at bigint NOT NULL,
    finished_at bigint NOT NULL,
    added bigint NOT NULL DEFAULT 0,
    updated bigint NOT NULL DEFAULT 0,
    unchanged bigint NOT NULL DEFAULT 0,
    deleted bigint NOT NULL DEFAULT 0,
    unknown bigint NOT NULL DEFAULT 0,
    duplicates bigint NOT NULL DEFAULT 0,
    rejected bigint NOT NULL DEFAULT 0,
    pruned bigint NOT NULL DEFAULT 0
  );
  CREATE INDEX runs_by_dataset ON rcache.runs (integration, connection, model, number);
`;
