/** Each dataset's checkpoint (see SQLite's 006-checkpoints.ts; commits wake readers here by NOTIFY, so meta counts nothing). */
export default `
  CREATE TABLE rcache.checkpoints (
    integration text COLLATE "C" NOT NULL,
    connection text COLLATE "C" NOT NULL,
    model text COLLATE "C" NOT NULL,
    version bigint NOT NULL,
    updated_at bigint,
    checkpoint text,
    PRIMARY KEY (integration, connection, model)
  );
`;
