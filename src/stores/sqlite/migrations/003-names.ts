/**
 * The names both stores use: `positions` (the last position taken, as PostgreSQL's sequence of that
 * name), records' `position`, runs' `number`. Datasets take their ids from AUTOINCREMENT, which
 * never reuses one (as PostgreSQL's identity), in place of meta.next_dataset, and keep the latest
 * time stamped by their runs (`last_time`), as on PostgreSQL.
 */
export default `
  ALTER TABLE sequence RENAME TO positions;
  ALTER TABLE positions RENAME COLUMN value TO last_value;

  ALTER TABLE records RENAME COLUMN seq TO position;
  DROP INDEX records_by_seq;
  CREATE UNIQUE INDEX records_by_position ON records (dataset_id, position);

  ALTER TABLE runs RENAME COLUMN id TO number;
  CREATE INDEX runs_by_dataset ON runs (integration, connection, model, number);

  CREATE TABLE datasets_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration TEXT NOT NULL,
    connection TEXT NOT NULL,
    model TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    live INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    pruned INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    runs INTEGER NOT NULL DEFAULT 0,
    last_run_at INTEGER,
    last_sync_at INTEGER,
    last_change_at INTEGER,
    last_time INTEGER NOT NULL DEFAULT 0,
    UNIQUE (integration, connection, model)
  ) STRICT;
  INSERT INTO datasets_new (id, integration, connection, model, generation, live, deleted, pruned, bytes, runs, last_run_at, last_sync_at, last_change_at)
    SELECT id, integration, connection, model, generation, live, deleted, pruned, bytes, runs, last_run_at, last_sync_at, last_change_at FROM datasets;
  DROP TABLE datasets;
  ALTER TABLE datasets_new RENAME TO datasets;
  DELETE FROM sqlite_sequence WHERE name = 'datasets';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'datasets', next_dataset - 1 FROM meta;
  ALTER TABLE meta DROP COLUMN next_dataset;
`;
