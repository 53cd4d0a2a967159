/**
 * Each dataset's last hard deletion (a reset, or its expiry), by its names, so that it outlives
 * the dataset's row: the position taken for it, its time, and which of the two it was.
 */
export default `
  CREATE TABLE horizons (
    integration TEXT NOT NULL,
    connection TEXT NOT NULL,
    model TEXT NOT NULL,
    position INTEGER NOT NULL,
    at INTEGER NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('reset', 'expired')),
    PRIMARY KEY (integration, connection, model)
  ) STRICT;
`;
