/**
 * The names both stores use: datasets' `id`, records' `dataset_id` and `rowid` (from the sequence
 * `rowids`), meta's `id`, and the unique keys of records named as SQLite names its indexes.
 */
export default `
  ALTER TABLE rcache.meta DROP CONSTRAINT meta_singleton_check;
  ALTER TABLE rcache.meta RENAME COLUMN singleton TO id;
  ALTER TABLE rcache.meta ALTER COLUMN id DROP DEFAULT;
  ALTER TABLE rcache.meta ALTER COLUMN id TYPE integer USING 1;
  ALTER TABLE rcache.meta ALTER COLUMN id SET DEFAULT 1;
  ALTER TABLE rcache.meta ADD CONSTRAINT meta_id_check CHECK (id = 1);

  ALTER TABLE rcache.datasets RENAME COLUMN uid TO id;
  ALTER SEQUENCE rcache.datasets_uid_seq RENAME TO datasets_id_seq;

  ALTER TABLE rcache.records RENAME COLUMN dataset_uid TO dataset_id;
  ALTER TABLE rcache.records RENAME COLUMN key TO rowid;
  ALTER SEQUENCE rcache.keys RENAME TO rowids;
  ALTER TABLE rcache.records RENAME CONSTRAINT records_dataset_uid_id_key TO records_by_id;
  ALTER TABLE rcache.records RENAME CONSTRAINT records_dataset_uid_position_key TO records_by_position;
`;
