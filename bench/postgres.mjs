// The PostgreSQL half of the benchmark: each PostgreSQL measurement is paired with the same command
// on a SQLite file and run alternately with it, against a throwaway cluster that commits durably
// (fsync on), as a production server would.
import { createRequire } from 'node:module';
import { startCluster } from '../scripts/postgres-cluster.mjs';
import { checks, format } from './report.mjs';

const { Client } = createRequire(import.meta.url)('pg');

/** A durable cluster and the few administrative statements the benchmark needs. */
export async function benchCluster() {
  const cluster = await startCluster({ durable: true });
  const admin = new Client({ connectionString: cluster.url });
  await admin.connect();
  const quote = (name) => `"${name}"`;
  return {
    url: (database) => cluster.urlFor(database),
    version: (await admin.query('SHOW server_version')).rows[0].server_version,
    /** An empty database, or a copy of `template`. */
    async recreate(database, template) {
      await admin.query(`DROP DATABASE IF EXISTS ${quote(database)} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${quote(database)}${template ? ` TEMPLATE ${quote(template)}` : ''}`);
      // A copied database's checkpoint happens before the timed command, not during it.
      await admin.query('CHECKPOINT');
    },
    async stop() {
      await admin.end();
      await cluster.stop();
    },
  };
}

/**
 * The paired groups. `sqlite` and `pg` build `[command, args]` of rcache on a SQLite file or a
 * PostgreSQL database; `removeDb`/`copyDb` prepare files, `server.recreate` databases.
 */
export function postgresPlan({ records, files, server, sqlite, pg, pgBefore, removeDb, copyDb, expectSummary, expectLines, model }) {
  const changed = files.meta.changed;
  const save = (target, input, dataset = model) => target('save', '--model', dataset, '--json', input);
  const shell = (script) => ['sh', ['-c', script]];
  const quoted = ([command, args]) => [command, ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
  // Two writers, each saving the fresh file into a dataset of its own: together, or one after the other.
  const twoWriters = (target, together) => {
    const [a, b] = ['A', 'B'].map((suffix) => `${quoted(save(target, files.fresh, `${model}${suffix}`))} > /dev/null`);
    return shell(together ? `${a} & first=$!; ${b} & second=$!; wait $first && wait $second` : `${a} && ${b}`);
  };
  return [
    {
      name: 'save fresh (PostgreSQL vs SQLite)',
      subjects: [
        {
          id: 'pg-save-fresh',
          label: 'PostgreSQL: rcache save, fresh',
          records,
          prepare: () => server.recreate('rcache'),
          command: save(pg('rcache'), files.fresh),
          capture: true,
          check: expectSummary({ added: records }),
        },
        {
          id: 'sqlite-save-fresh',
          label: 'SQLite: rcache save, fresh',
          records,
          prepare: () => removeDb('rcache'),
          command: save(sqlite('rcache'), files.fresh),
          capture: true,
          check: expectSummary({ added: records }),
        },
        pgBefore && {
          id: 'before-pg-save-fresh',
          label: 'before: PostgreSQL: rcache save, fresh',
          records,
          prepare: () => server.recreate('rcache-before'),
          command: save(pgBefore('rcache-before'), files.fresh),
          capture: true,
          check: expectSummary({ added: records }),
        },
      ].filter(Boolean),
      after: async () => {
        await server.recreate('rcache-full', 'rcache');
        if (pgBefore) await server.recreate('rcache-before-full', 'rcache-before');
        copyDb('rcache', 'rcache-full');
      },
    },
    {
      name: 're-save unchanged (PostgreSQL vs SQLite)',
      subjects: [
        {
          id: 'pg-save-same',
          label: 'PostgreSQL: rcache re-save, unchanged',
          records,
          prepare: () => server.recreate('rcache', 'rcache-full'),
          command: save(pg('rcache'), files.same),
          capture: true,
          check: expectSummary({ unchanged: records, added: 0, updated: 0 }),
        },
        {
          id: 'sqlite-save-same',
          label: 'SQLite: rcache re-save, unchanged',
          records,
          prepare: () => copyDb('rcache-full', 'rcache'),
          command: save(sqlite('rcache'), files.same),
          capture: true,
          check: expectSummary({ unchanged: records, added: 0, updated: 0 }),
        },
        pgBefore && {
          id: 'before-pg-save-same',
          label: 'before: PostgreSQL: rcache re-save, unchanged',
          records,
          prepare: () => server.recreate('rcache-before', 'rcache-before-full'),
          command: save(pgBefore('rcache-before'), files.same),
          capture: true,
          check: expectSummary({ unchanged: records, added: 0, updated: 0 }),
        },
      ].filter(Boolean),
    },
    {
      name: 're-save 10% changed (PostgreSQL vs SQLite)',
      subjects: [
        {
          id: 'pg-save-changed',
          label: 'PostgreSQL: rcache re-save, 10% changed',
          records,
          prepare: () => server.recreate('rcache', 'rcache-full'),
          command: save(pg('rcache'), files.changed),
          capture: true,
          check: expectSummary({ updated: changed, unchanged: records - changed }),
        },
        {
          id: 'sqlite-save-changed',
          label: 'SQLite: rcache re-save, 10% changed',
          records,
          prepare: () => copyDb('rcache-full', 'rcache'),
          command: save(sqlite('rcache'), files.changed),
          capture: true,
          check: expectSummary({ updated: changed, unchanged: records - changed }),
        },
        pgBefore && {
          id: 'before-pg-save-changed',
          label: 'before: PostgreSQL: rcache re-save, 10% changed',
          records,
          prepare: () => server.recreate('rcache-before', 'rcache-before-full'),
          command: save(pgBefore('rcache-before'), files.changed),
          capture: true,
          check: expectSummary({ updated: changed, unchanged: records - changed }),
        },
      ].filter(Boolean),
    },
    {
      name: 'read all (PostgreSQL vs SQLite)',
      before: async () => {
        await expectLines(pg('rcache-full')('records', '--model', model), records);
        await expectLines(sqlite('rcache-full')('records', '--model', model), records);
      },
      subjects: [
        { id: 'pg-records', label: 'PostgreSQL: rcache records > /dev/null', records, command: pg('rcache-full')('records', '--model', model) },
        { id: 'sqlite-records', label: 'SQLite: rcache records > /dev/null', records, command: sqlite('rcache-full')('records', '--model', model) },
        pgBefore && {
          id: 'before-pg-records',
          label: 'before: PostgreSQL: rcache records > /dev/null',
          records,
          command: pgBefore('rcache-before-full')('records', '--model', model),
        },
      ].filter(Boolean),
    },
    {
      name: 'two writers, two datasets (PostgreSQL)',
      subjects: [
        {
          id: 'pg-two-together',
          label: 'PostgreSQL: 2 fresh saves, 2 datasets, at once',
          records: 2 * records,
          prepare: () => server.recreate('rcache-two'),
          command: twoWriters(pg('rcache-two'), true),
        },
        {
          id: 'pg-two-in-turn',
          label: 'PostgreSQL: 2 fresh saves, 2 datasets, in turn',
          records: 2 * records,
          prepare: () => server.recreate('rcache-two'),
          command: twoWriters(pg('rcache-two'), false),
        },
      ],
      after: () => server.recreate('rcache-two'),
    },
  ];
}

/** Each PostgreSQL target: measured value, target, met or NOT MET. */
export function postgresTargets(subjects) {
  const { by, targets, ratio, absolute } = checks(subjects);
  ratio('fresh save, PostgreSQL vs SQLite', 'pg-save-fresh', 'sqlite-save-fresh', 1.5);
  ratio('unchanged re-save, PostgreSQL vs SQLite', 'pg-save-same', 'sqlite-save-same', 2.0);
  ratio('10% changed re-save, PostgreSQL vs SQLite', 'pg-save-changed', 'sqlite-save-changed', 1.5);
  ratio('two writers at once vs in turn', 'pg-two-together', 'pg-two-in-turn', 1 / 1.5, { speedup: 1.5 });
  // Against the other build (--before): within 5 % on every row.
  for (const id of ['save-fresh', 'save-same', 'save-changed', 'records'])
    if (by[`pg-${id}`] && by[`before-pg-${id}`]) ratio(`${by[`pg-${id}`].label} vs the build before`, `pg-${id}`, `before-pg-${id}`, 1.05);
  const reads = by['pg-records'];
  if (reads)
    absolute('records throughput', 'pg-records', reads.recordsPerSecond, format.rate(reads.recordsPerSecond), '≥ 100k/s', reads.recordsPerSecond >= 100_000);
  for (const id of ['pg-save-fresh', 'pg-save-same', 'pg-save-changed', 'pg-records']) {
    const peak = by[id]?.summary.maxRssKiB.max;
    if (peak !== undefined) absolute('peak memory (max of runs)', id, peak, format.mib(peak), '≤ 150 MiB', peak <= 150 * 1024);
  }
  return targets;
}
