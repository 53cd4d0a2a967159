#!/usr/bin/env node
// Times the dashboard's reads on a large dataset: every page must be one indexed read, however
// many records there are. Saves the benchmark fixture (bench/generate.mjs) into a fresh database,
// deletes a record, then times each endpoint of `rcache serve` over HTTP.
// Usage: node bench/dashboard.mjs [--records N] [--runs N]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from '../scripts/serve.mjs';
import { fixtures } from './generate.mjs';

const option = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const records = option('--records', 1_000_000);
const runs = option('--runs', 7);
const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'rcache-bench-dashboard-'));
const db = join(dir, 'bench.db');
const rcache = (args, input) =>
  execFileSync(process.execPath, [join(root, 'bin', 'rcache.js'), '--db', db, ...args], {
    input,
    stdio: [input ? 'pipe' : 'ignore', 'pipe', 'ignore'],
    maxBuffer: 1 << 26,
  }).toString();

mkdirSync(join(root, 'bench', 'data'), { recursive: true });
const { fresh } = fixtures(records, { log: (line) => console.error(line) });
console.error(`saving ${records} records ...`);
execFileSync(process.execPath, [join(root, 'bin', 'rcache.js'), '--db', db, 'save', '--model', 'Deal', fresh], { stdio: 'ignore' });
const first = JSON.parse(rcache(['records', '--model', 'Deal', '--limit', '1']));
const middle = JSON.parse(
  rcache(['records', '--model', 'Deal', '--limit', '1', '--cursor', Buffer.from(`rc:${Math.floor(records / 2)}`).toString('base64url')]),
);
rcache(['delete', '--model', 'Deal', first.id]);

const server = await startServe(db);
const dataset = 'integration=default&connection=default&model=Deal';
const cases = {
  overview: '/api/overview',
  'runs (latest 500)': `/api/runs?${dataset}`,
  'changes, newest first': `/api/changes?${dataset}`,
  'changes, oldest first': `/api/changes?${dataset}&order=asc`,
  'changes, from the middle': `/api/changes?${dataset}&order=asc&cursor=${middle._nango_metadata.cursor}`,
  'changes, filter deleted (1 of N)': `/api/changes?${dataset}&filter=deleted`,
  'changes, two ids': `/api/changes?${dataset}&ids=${encodeURIComponent(`${first.id},${middle.id}`)}`,
  'changes, modified after now': `/api/changes?${dataset}&modified_after=${new Date().toISOString()}`,
  'one record': `/api/record?${dataset}&id=${encodeURIComponent(middle.id)}`,
  metrics: '/metrics',
};
console.log(`dashboard reads on ${records.toLocaleString('en-US')} records, median of ${runs} (min–max), Node ${process.version}`);
try {
  for (const [name, path] of Object.entries(cases)) {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const response = await fetch(server.url + path);
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(`${name.padEnd(34)} ${times[times.length >> 1].toFixed(1).padStart(8)} ms  (${times[0].toFixed(1)}–${times.at(-1).toFixed(1)})`);
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
