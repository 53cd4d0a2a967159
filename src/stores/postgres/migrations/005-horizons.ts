/** Each dataset's last hard deletion (see SQLite's 005-horizons.ts). */
export default `
  CREATE TABLE rcache.horizons (
    integration text COLLATE "C" NOT NULL,
    connection text COLLATE "C" NOT NULL,
    model text COLLATE "C" NOT NULL,
    position bigint NOT NULL,
    at bigint NOT NULL,
    reason text NOT NULL CHECK (reason IN ('reset', 'expired')),
    PRIMARY KEY (integration, connection, model)
  );
`;
