/**
 * Each dataset's checkpoint, by its names, so that it outlives the dataset's row and its version
 * keeps counting after an expiry: its JSON text (null once cleared), how many times it was
 * written, and when last. meta counts the checkpoints written alone, so that the database's
 * version grows with them as with runs.
 */
export default `
  CREATE TABLE checkpoints (
    integration TEXT NOT NULL,
    connection TEXT NOT NULL,
    model TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at INTEGER,
    checkpoint TEXT,
    PRIMARY KEY (integration, connection, model)
  ) STRICT;
  ALTER TABLE meta ADD COLUMN checkpoint_writes INTEGER NOT NULL DEFAULT 0;
`;
