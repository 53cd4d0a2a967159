#!/usr/bin/env node
// Concurrency soak: several `rcache save` writers commit distinct records into one database while
// a reader pages through the change stream, resuming from the last cursor it printed. At the end
// every committed id must have been read exactly once, and each writer's ids in commit order.
// Usage: node bench/soak.mjs [--seconds 60] [--writers 3] [--batch 100] [--reader paging]
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DATA_DIR } from './generate.mjs';

const RCACHE = fileURLToPath(new URL('../bin/rcache.js', import.meta.url));
const DB = `${DATA_DIR}soak.db`;
const MODEL = 'Soak';
const PAGE = 50;

function options(argv) {
  const value = (name, fallback) => {
    const at = argv.indexOf(name);
    return at < 0 ? fallback : argv[at + 1];
  };
  const number = (name, fallback) => {
    const n = Number(value(name, fallback));
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} takes a positive whole number`);
    return n;
  };
  return { seconds: number('--seconds', 60), writers: number('--writers', 3), batch: number('--batch', 100), reader: value('--reader', 'paging') };
}

/** Runs rcache once with `args`, feeding it `input`; resolves to { code, stdout, stderr }. */
function rcache(args, input = '') {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [RCACHE, '--db', DB, '--busy-timeout', '60000', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** One writer: saves batches of new ids w<k>-<n> until the deadline; returns what it committed. */
async function writer(k, { batch, deadline }) {
  const committed = [];
  const failures = [];
  let n = 0;
  while (Date.now() < deadline) {
    const ids = Array.from({ length: batch }, () => `w${k}-${++n}`);
    const input =
      ids.map((id, i) => JSON.stringify({ id, writer: k, n: n - batch + i + 1, at: new Date().toISOString(), body: 'x'.repeat(200) })).join('\n') + '\n';
    const result = await rcache(['save', '--model', MODEL, '--json'], input);
    if (result.code === 0 && JSON.parse(result.stdout).added === batch) committed.push(...ids);
    else failures.push({ ids, code: result.code, message: result.stderr.trim() || result.stdout.trim() });
  }
  return { committed, failures };
}

/**
 * The paging reader: `records --cursor <last> --limit 50` again and again. Yields pages of
 * records; ends at the first empty page after `writersDone()`. A `--follow` reader would be
 * another generator with the same shape.
 */
async function* pagingReader({ writersDone }) {
  let cursor;
  for (;;) {
    const finished = writersDone();
    const args = ['records', '--model', MODEL, '--limit', String(PAGE), ...(cursor ? ['--cursor', cursor] : [])];
    const result = await rcache(args);
    if (result.code !== 0) throw new Error(`reader failed (exit ${result.code}): ${result.stderr.trim()}`);
    const records = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    if (records.length > 0) {
      cursor = records.at(-1)._nango_metadata.cursor;
      yield records;
    } else if (finished) {
      return;
    } else {
      await sleep(50);
    }
  }
}

const READERS = { paging: pagingReader };

async function main() {
  const opts = options(process.argv.slice(2));
  const reader = READERS[opts.reader];
  if (!reader) throw new Error(`unknown --reader ${opts.reader} (one of ${Object.keys(READERS).join(', ')})`);
  mkdirSync(DATA_DIR, { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) rmSync(DB + suffix, { force: true });
  // An empty save creates the database, so the reader never starts before it exists.
  const created = await rcache(['save', '--model', MODEL]);
  if (created.code !== 0) throw new Error(`cannot create ${DB}: ${created.stderr.trim()}`);

  const started = Date.now();
  const deadline = started + opts.seconds * 1000;
  let done = false;
  let writersElapsed;
  const writing = Promise.all(Array.from({ length: opts.writers }, (_, k) => writer(k + 1, { batch: opts.batch, deadline }))).finally(() => {
    done = true;
    writersElapsed = (Date.now() - started) / 1000;
  });

  const seen = new Map();
  const order = [];
  let pages = 0;
  for await (const records of reader({ writersDone: () => done })) {
    pages++;
    for (const record of records) {
      seen.set(record.id, (seen.get(record.id) ?? 0) + 1);
      order.push(record);
    }
  }
  const results = await writing;
  const elapsed = (Date.now() - started) / 1000;

  const committed = new Set(results.flatMap((r) => r.committed));
  const failures = results.flatMap((r) => r.failures);
  const missing = [...committed].filter((id) => !seen.has(id));
  const duplicated = [...seen].filter(([, count]) => count > 1).map(([id]) => id);
  const unexpected = [...seen.keys()].filter((id) => !committed.has(id));
  const lastN = new Map();
  let outOfOrder = 0;
  for (const record of order) {
    if (record.n <= (lastN.get(record.writer) ?? 0)) outOfOrder++;
    lastN.set(record.writer, record.n);
  }

  const lines = [
    `soak: ${opts.writers} writers × batches of ${opts.batch}, ${opts.reader} reader (limit ${PAGE})`,
    `  writers stopped after: ${writersElapsed.toFixed(1)} s; reader caught up after ${elapsed.toFixed(1)} s`,
    `  writer runs committed: ${committed.size / opts.batch}, failed: ${failures.length}`,
    `  records committed:     ${committed.size} (${Math.round(committed.size / writersElapsed)}/s)`,
    `  reader pages:          ${pages}`,
    `  records read:          ${order.length} (${seen.size} distinct)`,
    `  missing:               ${missing.length}`,
    `  read more than once:   ${duplicated.length}`,
    `  not committed:         ${unexpected.length}`,
    `  out of commit order:   ${outOfOrder}`,
  ];
  console.log(lines.join('\n'));
  for (const failure of failures.slice(0, 5)) console.log(`  failed run (exit ${failure.code}): ${failure.message}`);
  const ok = missing.length === 0 && duplicated.length === 0 && unexpected.length === 0 && outOfOrder === 0;
  console.log(ok ? 'soak: OK — every committed id was read exactly once, in commit order' : 'soak: FAILED');
  if (!ok) {
    for (const [what, ids] of [
      ['missing', missing],
      ['duplicated', duplicated],
      ['unexpected', unexpected],
    ]) {
      if (ids.length > 0) console.log(`  ${what}: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ' ...' : ''}`);
    }
    process.exitCode = 1;
  }
}

main().catch((error) => {
  process.stderr.write(`soak: ${error.message}\n`);
  process.exitCode = 1;
});
