/** The JSON Schema kept for a dataset, by its names (see SQLite's 007-json-schemas.ts). */
export default `
  CREATE TABLE rcache.json_schemas (
    integration text COLLATE "C" NOT NULL,
    connection text COLLATE "C" NOT NULL,
    model text COLLATE "C" NOT NULL,
    schema text NOT NULL,
    PRIMARY KEY (integration, connection, model)
  );
`;
