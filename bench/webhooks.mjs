#!/usr/bin/env node
// Webhook delivery under load: writers commit small runs at a steady rate (50 a second by
// default) while `rcache webhooks` delivers them to a receiver on 127.0.0.1. Reports the runs a
// second delivered and the lag from each run's commit to its arrival, and checks that every run
// arrived once, in run order.
// Writers run in worker threads, so that their synchronous SQLite work does not delay the receiver.
// Usage: npm run build && node bench/webhooks.mjs [--rate 50] [--seconds 20] [--writers 1] [--db FILE|postgres://…]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openCache } from '../dist/index.js';

const RCACHE = fileURLToPath(new URL('../bin/rcache.js', import.meta.url));

function options() {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '20' },
      writers: { type: 'string', default: '1' },
      db: { type: 'string' },
    },
  });
  const positive = (name) => {
    const n = Number(values[name]);
    if (!(n > 0)) throw new Error(`--${name} takes a positive number`);
    return n;
  };
  return { rate: positive('rate'), seconds: positive('seconds'), writers: positive('writers'), db: values.db };
}

/** Milliseconds on one clock shared by every thread. */
const clock = () => performance.timeOrigin + performance.now();

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A receiver that takes every delivery and notes when each came. */
async function receiver() {
  const arrivals = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const key = String(req.headers['idempotency-key']);
    arrivals.push({ at: clock(), run: Number(key.slice(key.lastIndexOf('-') + 1)), model: JSON.parse(body).model });
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { arrivals, url: `http://127.0.0.1:${server.address().port}/hooks`, close: () => server.close() };
}

/** One writer (a worker thread): a run of one new record on its own dataset every `every` ms until the deadline; posts each run's commit time. */
async function writer({ db, k, every, deadline }) {
  const cache = await openCache(db);
  const commits = [];
  for (let n = 1, next = clock(); clock() < deadline; n++) {
    await cache.save({ model: `W${k}` }, [JSON.stringify({ id: `w${k}-${n}`, n })]);
    commits.push(clock());
    next += every;
    await sleep(Math.max(0, next - clock()));
  }
  await cache.close();
  parentPort.postMessage(commits);
}

function startWriter(data) {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function main() {
  const opts = options();
  const dir = mkdtempSync(join(tmpdir(), 'rcache-bench-webhooks-'));
  const db = opts.db ?? join(dir, 'bench.db');
  // The first open creates the database before the deliverer and the writers start.
  await (await openCache(db)).close();
  const target = await receiver();
  const deliverer = spawn(process.execPath, [RCACHE, '--db', db, 'webhooks', '--url', target.url], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  deliverer.stderr.setEncoding('utf8').on('data', (chunk) => (log = (log + chunk).slice(-4096)));
  while (!log.includes('new receiver') && !log.includes('resuming')) {
    if (deliverer.exitCode !== null) throw new Error(`rcache webhooks exited: ${log}`);
    await sleep(20);
  }
  const skip = target.arrivals.length;

  const started = clock();
  const deadline = started + opts.seconds * 1000;
  const every = (1000 * opts.writers) / opts.rate;
  const commits = await Promise.all(Array.from({ length: opts.writers }, (_, k) => startWriter({ db, k: k + 1, every, deadline })));
  const written = Math.max(...commits.map((list) => list.at(-1) ?? started));
  const total = commits.reduce((sum, list) => sum + list.length, 0);
  const wait = clock() + 60_000;
  while (target.arrivals.length - skip < total && clock() < wait) await sleep(20);
  const caughtUp = target.arrivals.at(-1)?.at ?? clock();
  deliverer.kill('SIGTERM');
  await once(deliverer, 'close');
  target.close();
  if (opts.db === undefined) rmSync(dir, { recursive: true, force: true });

  const arrivals = target.arrivals.slice(skip);
  const lags = [];
  const byModel = new Map();
  for (const arrival of arrivals) {
    const k = Number(arrival.model.slice(1));
    const n = byModel.get(k) ?? 0;
    byModel.set(k, n + 1);
    const committed = commits[k - 1]?.[n];
    if (committed !== undefined) lags.push(arrival.at - committed);
  }
  lags.sort((a, b) => a - b);
  let outOfOrder = 0;
  for (let i = 1; i < arrivals.length; i++) if (arrivals[i].run <= arrivals[i - 1].run) outOfOrder++;
  const distinct = new Set(arrivals.map((arrival) => arrival.run)).size;
  const window = (arrivals.at(-1)?.at ?? started) - started;
  const ms = (value) => `${value.toFixed(0)} ms`;
  const rate = (count, ms) => (count / (ms / 1000)).toFixed(1);
  console.log(
    [
      `webhooks: ${opts.writers} writer(s) at ${opts.rate} runs/s in all for ${opts.seconds} s, ${opts.db === undefined ? 'SQLite' : 'the given database'}`,
      `  runs committed:        ${total} (${rate(total, written - started)}/s)`,
      `  runs delivered:        ${arrivals.length} (${rate(arrivals.length, window)}/s), ${distinct} distinct`,
      `  missing:               ${total - distinct}`,
      `  out of run order:      ${outOfOrder}`,
      `  lag commit → arrival:  p50 ${ms(percentile(lags, 50))}, p95 ${ms(percentile(lags, 95))}, max ${ms(lags.at(-1) ?? NaN)}`,
      `  caught up:             ${ms(caughtUp - written)} after the last commit`,
    ].join('\n'),
  );
  if (total !== distinct || outOfOrder > 0) process.exitCode = 1;
}

if (isMainThread) await main();
else await writer(workerData);
