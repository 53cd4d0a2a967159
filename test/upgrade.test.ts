// Databases written by rcache 0.1.0 (test/fixtures/release-0.1.0, made by write-release-databases.mjs)
// are upgraded in place when opened, and read as that release read them.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { lines, ndjson, rcache, tempDir } from './helpers.js';
import { fixtureFor, postgresFixture, psql, psqlPath } from './store-fixtures.js';
import { POSTGRES_URL, STORES, adminClient, databaseUrl, freshDatabase, type StoreKind } from './stores.js';

const RELEASE = join(import.meta.dirname, 'fixtures', 'release-0.1.0');

/** A copy of the release's database on this store, to be opened by the current code. */
async function releaseDatabase(kind: StoreKind): Promise<string> {
  if (kind === 'sqlite') {
    const path = join(tempDir(), 'release.db');
    writeFileSync(path, gunzipSync(readFileSync(join(RELEASE, 'sqlite.db.gz'))));
    return path;
  }
  return (await releasePostgres()).url;
}

async function releasePostgres(): Promise<{ name: string; url: string }> {
  const database = await freshDatabase();
  const loaded = spawnSync(psqlPath(), [database.url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', join(RELEASE, 'postgres.sql')], { encoding: 'utf8' });
  if (loaded.status !== 0) throw new Error(`psql failed: ${loaded.stderr}`);
  return database;
}

/** What the release printed, by command; `stats` without the database's location and size, and without webhook receivers and schemas, which that release did not have. */
function printed(kind: StoreKind): Record<string, string> {
  return JSON.parse(readFileSync(join(RELEASE, `${kind}.expected.json`), 'utf8')).printed;
}

function comparable(command: string, stdout: string): unknown {
  if (!command.startsWith('stats')) return stdout;
  const { database: _, webhooks: __, ...rest } = JSON.parse(stdout);
  for (const dataset of rest.datasets ?? []) delete dataset.schema;
  return rest;
}

describe.each(STORES)('a %s database written by rcache 0.1.0', (kind) => {
  it('is upgraded on open, and every record, cursor, run and counter reads as before', async () => {
    const db = await releaseDatabase(kind);
    const fixture = fixtureFor(db);
    expect(fixture.schemaVersion(db)).toBeLessThan(3);
    for (const [command, stdout] of Object.entries(printed(kind))) {
      const result = await rcache(['--db', db, ...command.split(' ')]);
      expect(result.code, `${command}: ${result.stderr}`).toBe(0);
      expect(comparable(command, result.stdout), command).toEqual(comparable(command, stdout));
    }
    expect(fixture.schemaVersion(db)).toBe(7);

    // Hashes came through: every live record saved again, keys reordered, is unchanged.
    const before = lines(printed(kind)['records -m Contact']!);
    const live = before.filter((record) => record._nango_metadata.deleted_at === null);
    const again = live.map(({ _nango_metadata: _, ...payload }) => Object.fromEntries(Object.entries(payload).reverse()));
    const saved = await rcache(['--db', db, 'save', '--model', 'Contact', '--json'], { input: ndjson(again) });
    expect(JSON.parse(saved.stdout)).toMatchObject({ added: 0, updated: 0, unchanged: live.length });

    // Positions and dataset ids go on from where the release left them.
    const last = before.at(-1)!._nango_metadata.cursor as string;
    await rcache(['--db', db, 'save', '--model', 'Contact'], { input: ndjson([{ id: 'after-upgrade' }]) });
    const after = lines((await rcache(['--db', db, 'records', '--model', 'Contact', '--cursor', last])).stdout);
    expect(after.map((record) => record.id)).toEqual(['after-upgrade']);
    expect(after[0]!._nango_metadata.cursor.slice(0, 12)).toBe(last.slice(0, 12));
    await rcache(['--db', db, 'save', '--model', 'New'], { input: ndjson([{ id: 'n' }]) });
    expect(fixture.query(db, "SELECT id FROM datasets WHERE model = 'New'")).toEqual([{ id: 5 }]);
  });

  it('is refused untouched by this rcache when a newer one has upgraded it', async () => {
    const db = await releaseDatabase(kind);
    const fixture = fixtureFor(db);
    fixture.markNewer(db, 99);
    const stored = () => [fixture.query(db, 'SELECT * FROM records ORDER BY 1, 2'), fixture.query(db, 'SELECT * FROM datasets ORDER BY 1')];
    const before = stored();
    for (const args of [
      ['records', '--model', 'Contact'],
      ['save', '--model', 'Contact'],
    ]) {
      const result = await rcache(['--db', db, ...args], { input: ndjson([{ id: 'new' }]) });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/was written by a newer rcache \(schema 99; this rcache knows up to 7\)/);
    }
    expect(fixture.schemaVersion(db)).toBe(99);
    expect(stored()).toEqual(before);
  });
});

describe.skipIf(POSTGRES_URL === undefined)('a PostgreSQL database written by rcache 0.1.0, opened by a reader who may only read', () => {
  it('is left as it is, and the reader is told that it must be upgraded once by its owner', async () => {
    const { name, url } = await releasePostgres();
    const role = `rcache_reader_${process.pid}`;
    const admin = await adminClient();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'reader-secret'`);
    try {
      psql(
        url,
        `GRANT USAGE ON SCHEMA rcache TO ${role}`,
        `GRANT SELECT ON ALL TABLES IN SCHEMA rcache TO ${role}`,
        `GRANT SELECT ON ALL SEQUENCES IN SCHEMA rcache TO ${role}`,
      );
      const result = await rcache(['--db', databaseUrl(name, { name: role, password: 'reader-secret' }), 'records', '--model', 'Contact']);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        /^rcache: .* was written by an earlier rcache and must be upgraded once before it can be read, which needs to own its schema \(.*\): run one command that writes to it .* as its owner\n$/,
      );
      expect(result.stderr).not.toContain('reader-secret');
      expect(postgresFixture.schemaVersion(url)).toBe(1);
    } finally {
      psql(url, `DROP OWNED BY ${role}`);
      await admin.query(`DROP ROLE ${role}`);
    }
  });
});
