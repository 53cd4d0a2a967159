/**
 * The JSON Schema kept for a dataset, by its names: it describes the model rather than the records,
 * so it may be set before the first save, and it outlives a reset and an expiry of the dataset.
 */
export default `
  CREATE TABLE json_schemas (
    integration TEXT NOT NULL,
    connection TEXT NOT NULL,
    model TEXT NOT NULL,
    schema TEXT NOT NULL,
    PRIMARY KEY (integration, connection, model)
  ) STRICT;
`;
