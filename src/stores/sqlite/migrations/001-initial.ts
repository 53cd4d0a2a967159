/** Datasets with kept counters, records keyed by (dataset, id) and by (dataset, position), the run history. */
export default `
  CREATE TABLE sequence (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
  ) STRICT;
  INSERT INTO sequence (id, value) VALUES (1, 0);

  CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    integration TEXT NOT NULL,
    connection TEXT NOT NULL,
    model TEXT NOT NULL,
    live INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    pruned INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    runs INTEGER NOT NULL DEFAULT 0,
    last_run_at INTEGER,
    last_sync_at INTEGER,
    last_change_at INTEGER,
    UNIQUE (integration, connection, model)
  ) STRICT;

  CREATE TABLE records (
    dataset_id INTEGER NOT NULL REFERENCES datasets (id),
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('ADDED', 'UPDATED', 'DELETED')),
    hash TEXT NOT NULL,
    raw_hash TEXT NOT NULL,
    payload TEXT,
    size INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_modified_at INTEGER NOT NULL,
    deleted_at INTEGER,
    pruned_at INTEGER
  ) STRICT;
  CREATE UNIQUE INDEX records_by_id ON records (dataset_id, id);
  CREATE UNIQUE INDEX records_by_seq ON records (dataset_id, seq);

  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    integration TEXT NOT NULL,
    connection TEXT NOT NULL,
    model TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    added INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    unknown INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    pruned INTEGER NOT NULL DEFAULT 0
  ) STRICT;
`;
