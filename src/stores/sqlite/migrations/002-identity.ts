/**
 * The database's identity (cursors carry it), the latest time stamped on a change (so that a clock
 * stepping back never stamps an earlier one), the next dataset id (never reused, so a reader of an
 * expired dataset never reads a newer one's records), and each dataset's reset generation.
 * `:database_id` is bound by the migration runner.
 */
export default `
  CREATE TABLE meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    database_id TEXT NOT NULL,
    last_time INTEGER NOT NULL,
    next_dataset INTEGER NOT NULL
  ) STRICT;
  INSERT INTO meta (id, database_id, last_time, next_dataset)
    VALUES (1, :database_id,
      (SELECT coalesce(max(last_modified_at), 0) FROM records),
      (SELECT coalesce(max(id), 0) + 1 FROM datasets));
  ALTER TABLE datasets ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
`;
