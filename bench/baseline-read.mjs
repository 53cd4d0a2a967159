#!/usr/bin/env node
// The practical limit for `rcache records` in Node: stream baseline-save's table in key order to
// standard output, one line a record, waiting for the output to drain when it is full.
// Usage: node bench/baseline-read.mjs DB
import { once } from 'node:events';
import { createRequire } from 'node:module';

const Database = createRequire(import.meta.url)('../node_modules/better-sqlite3');
const db = new Database(process.argv[2], { readonly: true });
let chunk = '';
for (const payload of db.prepare('SELECT payload FROM records ORDER BY id').pluck().iterate()) {
  chunk += payload + '\n';
  if (chunk.length >= 65536) {
    if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
    chunk = '';
  }
}
process.stdout.write(chunk);
db.close();
