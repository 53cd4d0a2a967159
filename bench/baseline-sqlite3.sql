-- The sqlite3 shell doing save's work: import NDJSON lines into a temporary table, then upsert
-- them by their JSON id in one statement. run.mjs replaces {{file}} and pipes this to
-- `sqlite3 -bail DB`. ASCII mode with a unit-separator column delimiter reads each line whole.
PRAGMA journal_mode = WAL;
PRAGMA temp_store = MEMORY;
CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, hash TEXT NOT NULL, payload TEXT NOT NULL);
CREATE TEMP TABLE lines (line TEXT);
.mode ascii
.separator "\037" "\n"
.import {{file}} lines
BEGIN;
INSERT INTO records (id, hash, payload)
  SELECT json_extract(line, '$.id'), hex(sha3(line, 256)), line FROM lines WHERE line <> ''
  ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, payload = excluded.payload WHERE hash <> excluded.hash;
COMMIT;
