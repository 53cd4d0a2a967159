#!/usr/bin/env node
// Deterministic benchmark fixtures: N realistic ~500-byte records, an identical copy, a copy
// with 10% of the records changed in one field, and the records with a `fetched_at` field twice,
// with other times. Reused when bench/data/ already has them.
// Usage: node bench/generate.mjs [--records N]
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Bump when the record shape changes, so old files are regenerated instead of reused.
const FORMAT = 1;
const SEED = 20240115;
export const DATA_DIR = fileURLToPath(new URL('data/', import.meta.url));

function prng(seed) {
  // mulberry32: tiny, fast and identical on every platform.
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ana', 'Björn', 'Chloé', 'Dmitri', 'Eun-ji', 'Fatima', 'Giovanni', 'Hana', 'José', 'Kwame', 'Łucja', 'Mei', 'Priya', 'Søren', 'Zoë'];
const LAST = ['García', 'Müller', "O'Brien", 'Nakamura', 'Kowalski', 'Dubois', 'Smith', 'Øvergaard', 'Nguyễn', 'Andersson'];
const COMPANIES = ['Acme GmbH', 'Globex', 'Initech', 'Umbrella Ltd', 'Żabka S.A.', 'Hooli', 'Stark Industries', 'Wayne Enterprises'];
const CITIES = [
  ['Berlin', 'DE'],
  ['São Paulo', 'BR'],
  ['Kraków', 'PL'],
  ['Tokyo', 'JP'],
  ['Zürich', 'CH'],
  ['Lagos', 'NG'],
  ['Montréal', 'CA'],
];
const STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'];
const TAGS = ['customer', 'vip', 'newsletter', 'partner', 'churned', 'beta', 'event-2024', 'enterprise'];
const DAY = 86_400_000;
const EPOCH = Date.UTC(2023, 0, 1);
const FETCHED = Date.UTC(2024, 4, 1);

function record(n, random) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const given = pick(FIRST);
  const family = pick(LAST);
  const [city, country] = pick(CITIES);
  const created = EPOCH + Math.floor(random() * 400 * DAY);
  return {
    id: `deal-${String(n).padStart(8, '0')}`,
    name: `${pick(COMPANIES)} — ${pick(STAGES)} ${n}`,
    stage: pick(STAGES),
    amount: Math.round(random() * 10_000_000) / 100,
    currency: pick(['EUR', 'USD', 'GBP', 'BRL', 'JPY']),
    closed: random() < 0.3,
    owner: {
      id: `user-${Math.floor(random() * 500)}`,
      name: `${given} ${family}`,
      email: `${given
        .toLowerCase()
        .normalize('NFD')
        .replace(/[^a-z]/g, '')}.${family.length}@example.com`,
    },
    company: {
      name: pick(COMPANIES),
      address: { city, country, geo: { lat: Number((random() * 180 - 90).toFixed(5)), lng: Number((random() * 360 - 180).toFixed(5)) } },
    },
    tags: Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(TAGS)),
    line_items: Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
      sku: `SKU-${Math.floor(random() * 90_000) + 10_000}`,
      quantity: 1 + Math.floor(random() * 20),
      unit_price: Math.round(random() * 50_000) / 100,
    })),
    created_at: new Date(created).toISOString(),
    updated_at: new Date(created + Math.floor(random() * 30 * DAY)).toISOString(),
  };
}

/** Writes lines through a 1 MiB buffer: 1M records do not fit comfortably in one string. */
function lineWriter(path) {
  const fd = openSync(path, 'w');
  let chunk = [];
  let size = 0;
  const flush = () => {
    if (chunk.length > 0) writeSync(fd, chunk.join(''));
    chunk = [];
    size = 0;
  };
  return {
    write(line) {
      chunk.push(line, '\n');
      size += line.length + 1;
      if (size > 1 << 20) flush();
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}

/** Paths of the three fixture files for `records` records, generating them when missing or stale. */
export function fixtures(records, { log = () => {} } = {}) {
  const base = `${DATA_DIR}deals-${records}`;
  const files = {
    fresh: `${base}.ndjson`,
    same: `${base}-same.ndjson`,
    changed: `${base}-changed.ndjson`,
    // The same records with a volatile field, as a sync stamps them, and fetched again later.
    fetched: `${base}-fetched.ndjson`,
    refetched: `${base}-refetched.ndjson`,
  };
  const metaPath = `${base}.meta.json`;
  const params = { format: FORMAT, seed: SEED, records };
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    const intact = Object.entries(files).every(([key, path]) => existsSync(path) && statSync(path).size === meta.bytes[key]);
    if (JSON.stringify(meta.params) === JSON.stringify(params) && intact) return { ...files, meta };
  }
  mkdirSync(DATA_DIR, { recursive: true });
  log(`generating ${records} records in ${DATA_DIR} ...`);
  const started = performance.now();
  const random = prng(SEED);
  const out = Object.fromEntries(Object.entries(files).map(([key, path]) => [key, lineWriter(path)]));
  let changed = 0;
  for (let n = 1; n <= records; n++) {
    const value = record(n, random);
    const line = JSON.stringify(value);
    out.fresh.write(line);
    out.same.write(line);
    out.fetched.write(JSON.stringify({ ...value, fetched_at: new Date(FETCHED + n).toISOString() }));
    out.refetched.write(JSON.stringify({ ...value, fetched_at: new Date(FETCHED + DAY + n).toISOString() }));
    if (n % 10 === 3) {
      // One field changed in every tenth record, as an incremental sync would see it.
      value.amount = Math.round((value.amount + 1.25) * 100) / 100;
      changed++;
      out.changed.write(JSON.stringify(value));
    } else {
      out.changed.write(line);
    }
  }
  for (const writer of Object.values(out)) writer.close();
  const bytes = Object.fromEntries(Object.entries(files).map(([key, path]) => [key, statSync(path).size]));
  const meta = { params, changed, bytes, averageRecordBytes: Math.round(bytes.fresh / records) };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
  log(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s (${meta.averageRecordBytes} bytes a record)`);
  return { ...files, meta };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--records');
  const records = at > 0 ? Number(process.argv[at + 1]) : 100_000;
  if (!Number.isSafeInteger(records) || records < 1) throw new Error('--records takes a positive whole number');
  console.log(fixtures(records, { log: (line) => console.error(line) }));
}
