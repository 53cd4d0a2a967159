#!/usr/bin/env node
// The practical limit for `rcache save`'s work in Node: read NDJSON, take each line's id, hash the
// line and upsert it into SQLite in one transaction. No validation, canonical form or change feed.
// Usage: node bench/baseline-save.mjs DB [FILE]   (standard input without FILE)
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';

const Database = createRequire(import.meta.url)('../node_modules/better-sqlite3');
const [dbPath, file] = process.argv.slice(2);
const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, hash TEXT NOT NULL, payload TEXT NOT NULL)');
const upsert = db.prepare(`INSERT INTO records (id, hash, payload) VALUES (?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, payload = excluded.payload WHERE hash <> excluded.hash`);

const lines = createInterface({ input: file ? createReadStream(file) : process.stdin, crlfDelay: Infinity });
let count = 0;
db.exec('BEGIN');
for await (const line of lines) {
  if (line === '') continue;
  upsert.run(String(JSON.parse(line).id), createHash('sha256').update(line).digest('hex'), line);
  count++;
}
db.exec('COMMIT');
db.close();
process.stderr.write(`baseline-save: ${count} lines\n`);
