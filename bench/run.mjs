#!/usr/bin/env node
// rcache's benchmark: whole processes, each measured several times, alternating with the
// baseline it is compared with (A,B,A,B...) so that a noisy machine affects both alike.
// Usage: npm run bench [-- --records N | --large] [--runs N] [--before PATH/bin/rcache.js] [--store postgres]
// --before: another build of rcache (say, a worktree of an earlier commit), run alternately with
// this one on the same data, row by row, to see what a change did to each figure (on PostgreSQL too).
// --store postgres: each PostgreSQL command paired with the same command on SQLite (bench/postgres.mjs).
// --only WORDS: only the groups whose name contains one of these comma-separated words ("read,10%");
// a group that needs a database another group makes (the re-saves and reads need "save fresh") makes it untimed.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import os from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DATA_DIR, fixtures } from './generate.mjs';
import { measure, rssMethod, summarise } from './measure.mjs';
import { checks, format, measurementsTable, targetsTable } from './report.mjs';
import { benchCluster, postgresPlan, postgresTargets } from './postgres.mjs';

const path = (relative) => fileURLToPath(new URL(relative, import.meta.url));
const RCACHE = path('../bin/rcache.js');
const BASELINE_SAVE = path('baseline-save.mjs');
const BASELINE_READ = path('baseline-read.mjs');
const WORK = `${DATA_DIR}run/`;
const RESULTS = path('results/');
const MODEL = 'Deal';

function options(argv) {
  const value = (name, fallback) => {
    const at = argv.indexOf(name);
    if (at < 0) return fallback;
    const number = Number(argv[at + 1]);
    if (!Number.isSafeInteger(number) || number < 1) throw new Error(`${name} takes a positive whole number`);
    return number;
  };
  const unknown = argv.filter((arg) => arg.startsWith('--') && !['--records', '--runs', '--large', '--before', '--store', '--only'].includes(arg));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown[0]} (use --records N, --large, --runs N, --before PATH, --store postgres, --only WORDS)`);
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1]?.split(',').filter(Boolean) : undefined;
  if (only !== undefined && only.length === 0) throw new Error('--only takes comma-separated words of group names');
  const at = argv.indexOf('--before');
  const before = at < 0 ? undefined : argv[at + 1];
  if (at >= 0 && (before === undefined || !existsSync(before))) throw new Error("--before takes the path of another build's bin/rcache.js");
  const store = argv.includes('--store') ? argv[argv.indexOf('--store') + 1] : 'sqlite';
  if (!['sqlite', 'postgres'].includes(store)) throw new Error('--store takes sqlite or postgres');
  return { records: value('--records', argv.includes('--large') ? 1_000_000 : 100_000), runs: value('--runs', 5), before, store, only };
}

/** The version line of an optional tool, or undefined when it is not installed. */
function toolVersion(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : undefined;
}

const db = (name) => `${WORK}${name}.db`;
function removeDb(file) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
}
function copyDb(from, to) {
  removeDb(to);
  for (const suffix of ['', '-wal']) if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
}

function expectSummary(counts) {
  return ({ stdout }) => {
    const summary = JSON.parse(stdout);
    for (const [key, value] of Object.entries(counts)) {
      if (summary[key] !== value) throw new Error(`rcache save reported ${key} ${summary[key]}, expected ${value}: ${stdout.trim()}`);
    }
  };
}

function countLines(file) {
  const fd = openSync(file, 'r');
  const buffer = Buffer.alloc(1 << 20);
  let lines = 0;
  for (let read; (read = readSync(fd, buffer)) > 0; ) for (let i = buffer.indexOf(10); i !== -1 && i < read; i = buffer.indexOf(10, i + 1)) lines++;
  closeSync(fd);
  return lines;
}

async function expectLines([command, args], count) {
  const out = `${WORK}read.out`;
  await measure(command, args, { stdout: out });
  const lines = countLines(out);
  rmSync(out);
  if (lines !== count) throw new Error(`${command} ${args.join(' ')} printed ${lines} lines, expected ${count}`);
}

/** A table printer that left rows out would look fast: its rows (lines starting with a bar, less the header) are counted. */
async function expectTableRows([command, args], count) {
  const out = `${WORK}table.out`;
  await measure(command, args, { stdout: out });
  let rows = -1;
  for await (const line of createInterface({ input: createReadStream(out) })) if (line.startsWith('│')) rows++;
  rmSync(out);
  if (rows !== count) throw new Error(`${command} ${args.join(' ')} printed ${rows} table rows, expected ${count}`);
}

/** A database with `count` datasets of one record each: one saved, the rest copies of its counters. */
function manyDatasets(file, count) {
  removeDb(file);
  execFileSync('node', [RCACHE, '--db', file, 'save', '--model', 'M0'], { input: '{"id":1}\n', stdio: ['pipe', 'ignore', 'ignore'] });
  const handle = new (createRequire(import.meta.url)('../node_modules/better-sqlite3'))(file);
  handle
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO datasets (integration, connection, model, live, deleted, pruned, bytes, runs, last_run_at, last_sync_at, last_change_at)
     SELECT integration, connection, 'M' || i, live, deleted, pruned, bytes, runs, last_run_at, last_sync_at, last_change_at FROM datasets, n WHERE model = 'M0'`,
    )
    .run(count - 1);
  handle.close();
}

function expectRows(count) {
  return ({ stdout }) => {
    const rows = stdout.split('\n').filter((line) => line.startsWith('│')).length - 1;
    if (rows !== count) throw new Error(`rcache stats printed ${rows} rows, expected ${count}`);
  };
}

/** What is measured: groups of subjects run alternately; `before` and `after` run once around a group. */
function plan({ records, runs, before }, files, tools) {
  const rcache = (file, ...args) => ['node', [RCACHE, '--db', db(file), ...args]];
  const save = (file, input) => rcache(file, 'save', '--model', MODEL, '--json', input);
  // The other build keeps databases of its own: each build re-saves and reads what it saved itself.
  const earlier = (file, ...args) => ['node', [before, '--db', db(file), ...args]];
  const earlierSave = (file, input) => earlier(file, 'save', '--model', MODEL, '--json', input);
  const sqliteScript = `${WORK}upsert.sql`;
  writeFileSync(sqliteScript, readFileSync(path('baseline-sqlite3.sql'), 'utf8').replaceAll('{{file}}', files.fresh));
  const changed = files.meta.changed;
  const volatileSave = (input) => rcache('volatile', 'save', '--model', MODEL, '--ignore-field', 'fetched_at', '--json', input);
  return [
    {
      name: 'save fresh',
      subjects: [
        {
          id: 'rcache-save-fresh',
          label: 'rcache save, fresh',
          records,
          prepare: () => removeDb(db('rcache')),
          command: save('rcache', files.fresh),
          capture: true,
          check: expectSummary({ added: records }),
        },
        before && {
          id: 'before-save-fresh',
          label: 'before: rcache save, fresh',
          records,
          prepare: () => removeDb(db('before')),
          command: earlierSave('before', files.fresh),
          capture: true,
          check: expectSummary({ added: records }),
        },
        {
          id: 'baseline-save-fresh',
          label: 'baseline-save.mjs, fresh',
          records,
          prepare: () => removeDb(db('baseline')),
          command: ['node', [BASELINE_SAVE, db('baseline'), files.fresh]],
        },
        tools.sqlite3 && {
          id: 'sqlite3-save-fresh',
          label: 'sqlite3 shell upsert, fresh',
          records,
          prepare: () => removeDb(db('sqlite3')),
          command: ['sqlite3', ['-bail', db('sqlite3')]],
          stdin: sqliteScript,
        },
        tools.sqliteUtils && {
          id: 'sqlite-utils-save-fresh',
          label: 'sqlite-utils upsert, fresh',
          records,
          prepare: () => removeDb(db('sqlite-utils')),
          command: ['sqlite-utils', ['upsert', db('sqlite-utils'), 'records', files.fresh, '--nl', '--pk', 'id']],
        },
      ],
      // The last fresh save of each becomes the starting point of the re-saves and the reads.
      after: () => {
        copyDb(db('rcache'), db('rcache-full'));
        copyDb(db('baseline'), db('baseline-full'));
        if (before) copyDb(db('before'), db('before-full'));
      },
    },
    {
      name: 're-save unchanged',
      subjects: [
        {
          id: 'rcache-save-same',
          label: 'rcache re-save, unchanged',
          records,
          prepare: () => copyDb(db('rcache-full'), db('rcache')),
          command: save('rcache', files.same),
          capture: true,
          check: expectSummary({ unchanged: records, added: 0, updated: 0 }),
        },
        before && {
          id: 'before-save-same',
          label: 'before: rcache re-save, unchanged',
          records,
          prepare: () => copyDb(db('before-full'), db('before')),
          command: earlierSave('before', files.same),
          capture: true,
          check: expectSummary({ unchanged: records, added: 0, updated: 0 }),
        },
        {
          id: 'baseline-save-same',
          label: 'baseline-save.mjs, unchanged',
          records,
          prepare: () => copyDb(db('baseline-full'), db('baseline')),
          command: ['node', [BASELINE_SAVE, db('baseline'), files.same]],
        },
      ],
    },
    {
      name: 're-save 10% changed',
      subjects: [
        {
          id: 'rcache-save-changed',
          label: 'rcache re-save, 10% changed',
          records,
          prepare: () => copyDb(db('rcache-full'), db('rcache')),
          command: save('rcache', files.changed),
          capture: true,
          check: expectSummary({ updated: changed, unchanged: records - changed }),
        },
        before && {
          id: 'before-save-changed',
          label: 'before: rcache re-save, 10% changed',
          records,
          prepare: () => copyDb(db('before-full'), db('before')),
          command: earlierSave('before', files.changed),
          capture: true,
          check: expectSummary({ updated: changed, unchanged: records - changed }),
        },
        {
          id: 'baseline-save-changed',
          label: 'baseline-save.mjs, 10% changed',
          records,
          prepare: () => copyDb(db('baseline-full'), db('baseline')),
          command: ['node', [BASELINE_SAVE, db('baseline'), files.changed]],
        },
      ],
    },
    {
      // Every record checked against a schema of ten typed fields (bench/deal.schema.json).
      name: 'save fresh with a schema',
      subjects: [
        {
          id: 'rcache-save-schema',
          label: 'rcache save --schema, fresh',
          records,
          prepare: () => removeDb(db('rcache')),
          command: rcache('rcache', 'save', '--model', MODEL, '--json', '--schema', path('deal.schema.json'), files.fresh),
          capture: true,
          check: expectSummary({ added: records }),
        },
        {
          // The same schema stored with the dataset: read once and checked as --schema is.
          id: 'rcache-save-stored-schema',
          label: 'rcache save, fresh, the schema stored (rcache schema --set)',
          records,
          prepare: () => {
            removeDb(db('rcache'));
            execFileSync('node', [RCACHE, '--db', db('rcache'), 'schema', '--model', MODEL, '--set', path('deal.schema.json')], { stdio: 'ignore' });
          },
          command: save('rcache', files.fresh),
          capture: true,
          check: expectSummary({ added: records }),
        },
        {
          id: 'rcache-save-plain',
          label: 'rcache save, fresh (the same, without)',
          records,
          prepare: () => removeDb(db('rcache')),
          command: save('rcache', files.fresh),
          capture: true,
          check: expectSummary({ added: records }),
        },
      ],
    },
    {
      // A sync that stamps each record with the time it fetched it (--ignore-field fetched_at): a
      // re-save where only that field changed, against a byte-identical re-save of the same records.
      name: 're-save, only an ignored field changed',
      before: () => {
        removeDb(db('volatile-full'));
        execFileSync('node', [RCACHE, '--db', db('volatile-full'), 'save', '--model', MODEL, '--ignore-field', 'fetched_at', files.fetched], {
          stdio: 'ignore',
        });
      },
      subjects: [
        {
          id: 'rcache-save-ignored-same',
          label: 'rcache re-save --ignore-field, identical',
          records,
          prepare: () => copyDb(db('volatile-full'), db('volatile')),
          command: volatileSave(files.fetched),
          capture: true,
          check: expectSummary({ unchanged: records }),
        },
        {
          id: 'rcache-save-ignored-changed',
          label: 'rcache re-save --ignore-field, only it changed',
          records,
          prepare: () => copyDb(db('volatile-full'), db('volatile')),
          command: volatileSave(files.refetched),
          capture: true,
          check: expectSummary({ unchanged: records }),
        },
      ],
    },
    {
      name: 'read all',
      // Once, untimed: a reader that printed nothing would look fast.
      before: async () => {
        await expectLines(rcache('rcache-full', 'records', '--model', MODEL), records);
        await expectLines(['node', [BASELINE_READ, db('baseline-full')]], records);
      },
      subjects: [
        { id: 'rcache-records', label: 'rcache records > /dev/null', records, command: rcache('rcache-full', 'records', '--model', MODEL) },
        before && { id: 'before-records', label: 'before: rcache records > /dev/null', records, command: earlier('before-full', 'records', '--model', MODEL) },
        { id: 'baseline-read', label: 'baseline-read.mjs > /dev/null', records, command: ['node', [BASELINE_READ, db('baseline-full')]] },
      ],
    },
    {
      name: 'read as a table',
      // A table is printed as it is read: it must stay within a small factor of NDJSON, in bounded memory.
      before: async () => {
        await expectTableRows(rcache('rcache-full', 'records', '--model', MODEL, '--format', 'table'), records);
      },
      subjects: [
        {
          id: 'rcache-records-table',
          label: 'rcache records --format table > /dev/null',
          records,
          command: rcache('rcache-full', 'records', '--model', MODEL, '--format', 'table'),
        },
        { id: 'rcache-records-ndjson', label: 'rcache records (NDJSON) > /dev/null', records, command: rcache('rcache-full', 'records', '--model', MODEL) },
      ],
    },
    {
      name: 'stats of 10,000 datasets',
      before: () => manyDatasets(db('datasets'), 10_000),
      subjects: [
        {
          id: 'rcache-stats-table',
          label: 'rcache stats (table), 10k datasets',
          command: rcache('datasets', 'stats'),
          capture: true,
          check: expectRows(10_000),
        },
        { id: 'rcache-stats-json', label: 'rcache stats --json, 10k datasets', command: rcache('datasets', 'stats', '--json') },
      ],
    },
    {
      name: 'start-up',
      runs: Math.max(10, 2 * runs),
      subjects: [
        { id: 'rcache-version', label: 'rcache --version', command: ['node', [RCACHE, '--version']] },
        before && { id: 'before-version', label: 'before: rcache --version', command: ['node', [before, '--version']] },
        { id: 'node-startup', label: 'node -e 0 (reference)', command: ['node', ['-e', '0']] },
      ],
    },
  ].map((group) => ({ ...group, subjects: group.subjects.filter(Boolean) }));
}

async function runGroup(group, runs) {
  const count = group.runs ?? runs;
  await group.before?.();
  for (const subject of group.subjects) subject.samples = [];
  for (let i = 1; i <= count; i++) {
    for (const subject of group.subjects) {
      await subject.prepare?.();
      const result = await measure(subject.command[0], subject.command[1], { stdin: subject.stdin, stdout: subject.capture ? 'capture' : undefined });
      subject.check?.(result);
      subject.samples.push({ ms: Math.round(result.ms * 10) / 10, maxRssKiB: result.maxRssKiB });
      process.stderr.write(`  ${group.name} ${i}/${count}: ${subject.label} ${format.seconds(result.ms)}, ${format.mib(result.maxRssKiB)}\n`);
    }
  }
  await group.after?.();
  for (const subject of group.subjects) {
    subject.summary = summarise(subject.samples);
    if (subject.records) subject.recordsPerSecond = Math.round(subject.records / (subject.summary.ms.median / 1000));
  }
}

/**
 * The groups named by --only. A group left out that makes what a later group starts from (its
 * `after`, such as the fresh saves that the re-saves and the reads copy) is run once, untimed.
 */
async function selectGroups(groups, words) {
  const chosen = groups.filter((group) => words.some((word) => group.name.includes(word)));
  if (chosen.length === 0) throw new Error(`--only ${words.join(',')} names no group: ${groups.map((group) => group.name).join(', ')}`);
  for (const group of groups.slice(0, groups.indexOf(chosen.at(-1)))) {
    if (chosen.includes(group) || !group.after) continue;
    process.stderr.write(`  ${group.name}: once, untimed, for the groups after it\n`);
    await runGroup(group, 1);
  }
  return chosen;
}

/** Each target: measured value, the target, and met / NOT MET, or not applicable at this size. */
function evaluate(subjects, records) {
  const { by, targets, ratio, absolute } = checks(subjects, records);
  ratio('save fresh vs minimal Node script', 'rcache-save-fresh', 'baseline-save-fresh', 1.0);
  ratio('save fresh vs sqlite3 shell', 'rcache-save-fresh', 'sqlite3-save-fresh', 1.0, { atRecords: 1_000_000 });
  ratio('save fresh vs sqlite-utils', 'rcache-save-fresh', 'sqlite-utils-save-fresh', 1 / 3.5, { atRecords: 1_000_000, speedup: 3.5 });
  ratio('re-save unchanged vs save fresh', 'rcache-save-same', 'rcache-save-fresh', 0.6);
  ratio('re-save unchanged vs minimal script', 'rcache-save-same', 'baseline-save-same');
  ratio('re-save 10% changed vs minimal script', 'rcache-save-changed', 'baseline-save-changed');
  ratio('save with a schema vs without', 'rcache-save-schema', 'rcache-save-plain', 1.3);
  ratio('save with a stored schema vs without', 'rcache-save-stored-schema', 'rcache-save-plain', 1.3);
  ratio('re-save, only ignored fields changed vs identical', 'rcache-save-ignored-changed', 'rcache-save-ignored-same', 2.0);
  ratio('records vs minimal reader', 'rcache-records', 'baseline-read', 0.9);
  ratio('start-up vs bare node', 'rcache-version', 'node-startup');
  ratio('records as a table vs NDJSON', 'rcache-records-table', 'rcache-records-ndjson', 3.0);
  // Against the other build (--before): within 5 % on every row.
  for (const [label, id] of [
    ['save fresh', 'save-fresh'],
    ['re-save unchanged', 'save-same'],
    ['re-save 10% changed', 'save-changed'],
    ['records', 'records'],
    ['start-up', 'version'],
  ]) {
    if (by[`before-${id}`]) ratio(`${label} vs the build before`, `rcache-${id}`, `before-${id}`, 1.05);
  }
  const reads = by['rcache-records'];
  if (reads)
    absolute(
      'records throughput',
      'rcache-records',
      reads.recordsPerSecond,
      format.rate(reads.recordsPerSecond),
      '≥ 200k/s',
      reads.recordsPerSecond >= 200_000,
    );
  for (const id of ['rcache-save-fresh', 'rcache-save-same', 'rcache-save-changed', 'rcache-records', 'rcache-records-table']) {
    const peak = by[id]?.summary.maxRssKiB.max;
    if (peak !== undefined) absolute('peak memory (max of runs)', id, peak, format.mib(peak), '≤ 150 MiB', peak <= 150 * 1024);
  }
  const stats = by['rcache-stats-table']?.summary.ms.median;
  if (stats !== undefined) absolute('stats table of 10k datasets (median)', 'rcache-stats-table', stats, format.seconds(stats), '≤ 1 s', stats <= 1000);
  const startup = by['rcache-version']?.summary.ms.median;
  if (startup !== undefined) absolute('start-up (median)', 'rcache-version', startup, format.seconds(startup), '≤ 130 ms', startup <= 130);
  return targets;
}

function machine() {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: path('..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg(),
    node: process.version,
    rcacheCommit: git('rev-parse', 'HEAD'),
    rcacheWorkTreeDirty: !!git('status', '--porcelain', '--', 'src'),
  };
}

async function main() {
  const params = options(process.argv.slice(2));
  mkdirSync(WORK, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });
  const betterSqlite3 = {
    Database: createRequire(import.meta.url)('../node_modules/better-sqlite3'),
    version: JSON.parse(readFileSync(path('../node_modules/better-sqlite3/package.json'), 'utf8')).version,
  };
  const tools = {
    rcache: toolVersion('node', [RCACHE, '--version']),
    betterSqlite3: `${betterSqlite3.version} (SQLite ${new betterSqlite3.Database(':memory:').prepare('SELECT sqlite_version()').pluck().get()})`,
    sqlite3: toolVersion('sqlite3', ['-version']),
    sqliteUtils: toolVersion('sqlite-utils', ['--version']),
  };
  const notes = [];
  if (!tools.sqlite3) notes.push('sqlite3 shell not installed: its baseline is skipped (apt-get install sqlite3)');
  if (!tools.sqliteUtils) notes.push('sqlite-utils not installed: its baseline is skipped (apt-get install sqlite-utils)');
  if (!rssMethod.startsWith('GNU')) notes.push(`GNU time not installed: max RSS by ${rssMethod}, which can miss a last-moment peak (apt-get install time)`);
  for (const note of notes) process.stderr.write(`note: ${note}\n`);

  const files = fixtures(params.records, { log: (line) => process.stderr.write(`${line}\n`) });
  const info = { machine: machine(), tools };
  process.stderr.write(`rcache bench: ${params.records} records (${files.meta.averageRecordBytes} bytes each), ${params.runs} runs, on ${info.machine.cpu}\n`);

  const server = params.store === 'postgres' ? await benchCluster() : undefined;
  let groups;
  let targets;
  const started = performance.now();
  try {
    if (server) {
      tools.postgres = `${server.version} (durable: fsync on, synchronous commits)`;
      groups = postgresPlan({
        records: params.records,
        files,
        server,
        model: MODEL,
        sqlite:
          (name) =>
          (...args) => ['node', [RCACHE, '--db', db(name), ...args]],
        pg:
          (name) =>
          (...args) => ['node', [RCACHE, '--db', server.url(name), ...args]],
        pgBefore:
          params.before &&
          ((name) =>
            (...args) => ['node', [params.before, '--db', server.url(name), ...args]]),
        removeDb: (name) => removeDb(db(name)),
        copyDb: (from, to) => copyDb(db(from), db(to)),
        expectSummary,
        expectLines,
      });
    } else {
      groups = plan(params, files, tools);
    }
    if (params.only) groups = await selectGroups(groups, params.only);
    for (const group of groups) await runGroup(group, params.runs);
  } finally {
    await server?.stop();
  }
  const subjects = groups.flatMap((group) => group.subjects.map((subject) => ({ ...subject, group: group.name })));
  targets = server ? postgresTargets(subjects) : evaluate(subjects, params.records);
  // A partial run says nothing of the rows it did not measure.
  if (params.only) targets = targets.filter((target) => target.status !== 'skipped');
  info.machine.loadAverageAtEnd = os.loadavg();

  const counts = server ? `${params.runs} runs, PostgreSQL ${server.version} paired with SQLite` : `${params.runs} runs (start-up ${groups.at(-1).runs})`;
  const title = `rcache bench — ${params.records} records of ~${files.meta.averageRecordBytes} bytes, ${counts}, node ${process.version}, ${info.machine.cpu}`;
  console.log(`\n${title}\n\n${measurementsTable(subjects)}\n\n${targetsTable(targets)}\n`);
  for (const note of notes) console.log(`note: ${note}`);

  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const resultFile = `${RESULTS}${stamp}-${params.records}${server ? '-postgres' : ''}.json`;
  const result = {
    date: new Date().toISOString(),
    durationSeconds: Math.round((performance.now() - started) / 1000),
    parameters: { ...params, model: MODEL, fixtures: files.meta, rss: rssMethod },
    ...info,
    notes,
    measurements: subjects.map(({ id, label, group, records, command, stdin, samples, summary, recordsPerSecond }) => ({
      id,
      label,
      group,
      records: records ?? null,
      command: [command[0], ...command[1], ...(stdin ? ['<', stdin] : [])].join(' ').replaceAll(path('../'), ''),
      samples,
      summary,
      recordsPerSecond: recordsPerSecond ?? null,
    })),
    targets,
  };
  writeFileSync(resultFile, JSON.stringify(result, null, 2) + '\n');
  console.log(`results: ${resultFile}`);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.message}\n`);
  process.exitCode = 1;
});
