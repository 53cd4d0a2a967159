// Checkpoints through the built binary: --checkpoint and --expect-version on the writing commands,
// and rcache checkpoint to read, set and clear one. Runs on both stores (vitest.config.ts).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from './harness.js';
import { ndjson, query, rcache, seed, tempDir, withCache } from './helpers.js';
import { fixtureFor } from './store-fixtures.js';
import { dbLocation, holdsCache } from './store-under-test.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function ok(db: string, args: string[], input = ''): Promise<string> {
  const result = await rcache(['--db', db, ...args], { input });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

async function checkpoint(db: string, model = 'Contact'): Promise<Record<string, any>> {
  const stdout = await ok(db, ['checkpoint', '--model', model]);
  expect(stdout.split('\n')).toHaveLength(2);
  return JSON.parse(stdout);
}

/** A dataset's checkpoint as the database holds it: its JSON, parsed, and its version (0 when none was ever written). */
function stored(db: string, model = 'Contact', connection = 'default'): { checkpoint: Record<string, any> | null; version: number } {
  const [row] = query<{ checkpoint: string | null; version: number }>(
    db,
    'SELECT checkpoint, version FROM checkpoints WHERE model = ? AND connection = ?',
    model,
    connection,
  );
  return row === undefined
    ? { checkpoint: null, version: 0 }
    : { checkpoint: row.checkpoint === null ? null : JSON.parse(row.checkpoint), version: row.version };
}

/**
 * What a refused write must leave as it was: every record, dataset and run, and every checkpoint.
 * Not the last position: PostgreSQL's sequence does not give back those a rolled-back run took.
 */
function state(db: string) {
  const { records, datasets, runs } = fixtureFor(db).snapshot(db);
  const checkpoints = query(db, 'SELECT * FROM checkpoints ORDER BY integration, connection, model');
  return { records, datasets, runs, checkpoints };
}

const contactList = (count: number, fields: object = {}) => Array.from({ length: count }, (_, i) => ({ id: `c${i}`, ...fields }));
const contacts = (count: number, fields: object = {}) => ndjson(contactList(count, fields));

describe('rcache checkpoint', () => {
  it('prints version 0 where nothing was saved, then sets, prints and clears it, each write one more', async () => {
    const db = dbLocation(tempDir());
    const none = await rcache(['--db', db, 'checkpoint', '--model', 'Contact']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('{"checkpoint":null,"version":0,"updated_at":null}\n');
    expect(none.stderr).toMatch(/^rcache: no rcache database at .*: no checkpoint yet\n$/);
    expect(holdsCache(db), 'reading created nothing').toBe(false);
    expect((await rcache(['--db', db, 'checkpoint', '--model', 'Contact', '--clear'])).code, '--clear creates no database').toBe(1);
    expect(holdsCache(db)).toBe(false);

    const set = await ok(db, ['checkpoint', '--model', 'Contact', '--set', '{"after": "p1", "big": 123456789012345678901234567890}', '--expect-version', '0']);
    const written = JSON.parse(set);
    expect(set).toBe(`{"checkpoint":{"after":"p1","big":123456789012345678901234567890},"version":1,"updated_at":"${written.updated_at}"}\n`);
    expect(written.updated_at).toMatch(ISO);
    expect(await ok(db, ['checkpoint', '--model', 'Contact'])).toBe(set);
    const cleared = JSON.parse(await ok(db, ['checkpoint', '--model', 'Contact', '--clear', '--expect-version', '1']));
    expect(cleared).toMatchObject({ checkpoint: null, version: 2 });
    expect(await checkpoint(db)).toEqual(cleared);
    // Per dataset: another connection's is its own.
    await ok(db, ['checkpoint', '--model', 'Contact', '--connection', 'acme', '--set', '{"after":"a9"}']);
    expect(stored(db)).toEqual({ checkpoint: null, version: 2 });
    expect(JSON.parse(await ok(db, ['checkpoint', '--model', 'Contact', '--connection', 'acme']))).toMatchObject({ checkpoint: { after: 'a9' }, version: 1 });
  });

  it('a stale --expect-version changes nothing and exits 4 with one line naming both versions', async () => {
    const db = dbLocation(tempDir());
    await withCache(db, async (cache) => {
      await cache.setCheckpoint({ model: 'Contact' }, { after: 'p1' });
      await cache.setCheckpoint({ model: 'Contact' }, { after: 'p2' });
    });
    for (const args of [
      ['--set', '{"after":"p9"}', '--expect-version', '1'],
      ['--clear', '--expect-version', '0'],
    ]) {
      const result = await rcache(['--db', db, 'checkpoint', '--model', 'Contact', ...args]);
      expect(result.code).toBe(4);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        /^rcache: the checkpoint of Contact is at version 2, not [01] as expected \(it was written after it was read\): the checkpoint was not changed; read it again \(rcache checkpoint --model Contact\) and go on from what it holds\n$/,
      );
    }
    expect(stored(db)).toEqual({ checkpoint: { after: 'p2' }, version: 2 });
  });
});

describe('--checkpoint on save, delete and update', () => {
  it('saves the checkpoint with the records; a stale --expect-version exits 4 and writes neither', async () => {
    const db = dbLocation(tempDir());
    await ok(db, ['save', '--model', 'Contact', '--checkpoint', '{"after":"p1"}', '--expect-version', '0'], contacts(3));
    expect(stored(db)).toEqual({ checkpoint: { after: 'p1' }, version: 1 });
    expect(query(db, 'SELECT id FROM records ORDER BY id')).toEqual([{ id: 'c0' }, { id: 'c1' }, { id: 'c2' }]);

    const before = state(db);
    const refused: [string[], string][] = [
      [['save', '--model', 'Contact', '--checkpoint', '{"after":"p2"}', '--expect-version', '0'], contacts(6, { v: 2 })],
      [['save', '--model', 'Contact', '--checkpoint', '{"after":"p2"}', '--expect-version', '2', '--full-refresh', '--allow-empty'], ''],
      [['delete', '--model', 'Contact', '--checkpoint', '{"after":"p2"}', '--expect-version', '0', 'c0', 'c1'], ''],
      [['update', '--model', 'Contact', '--checkpoint', '{"after":"p2"}', '--expect-version', '7', '--json'], ndjson([{ id: 'c2', v: 3 }])],
    ];
    for (const [args, input] of refused) {
      const result = await rcache(['--db', db, ...args], { input });
      expect(result.code, args.join(' ')).toBe(4);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^rcache: the checkpoint of Contact is at version 1, not \d as expected \(.*\): nothing was saved; read it again/);
      expect(result.stderr.split('\n')).toHaveLength(2);
      expect(state(db)).toEqual(before);
    }

    await ok(db, ['delete', '--model', 'Contact', '--checkpoint', '{"after":"p2"}', '--expect-version', '1', 'c0']);
    await ok(db, ['update', '--model', 'Contact', '--checkpoint', '{"after":"p3"}', '--expect-version', '2'], ndjson([{ id: 'c1', v: 9 }]));
    expect(stored(db)).toEqual({ checkpoint: { after: 'p3' }, version: 3 });
    expect(query(db, 'SELECT model, live, deleted, runs FROM datasets')).toEqual([{ model: 'Contact', live: 2, deleted: 1, runs: 3 }]);
  }, 120_000);

  it("a conflict's hint names the integration and connection that reach the dataset, quoted as a shell reads them", async () => {
    const db = dbLocation(tempDir());
    const names = ['--integration', 'hub spot', '--connection', "o'brien"];
    await withCache(db, (cache) =>
      cache.save({ integration: 'hub spot', connection: "o'brien", model: 'Contact' }, contactList(1), { checkpoint: { after: 'p1' } }),
    );
    const stale = ['save', '--model', 'Contact', '--checkpoint', '{"after":"p2"}', '--expect-version', '0'];
    const result = await rcache(['--db', db, ...names, ...stale], { input: contacts(2) });
    expect(result.code).toBe(4);
    const hinted = /read it again \((rcache checkpoint .*)\) and go on/.exec(result.stderr)?.[1];
    expect(hinted).toBe("rcache checkpoint --integration 'hub spot' --connection 'o'\\''brien' --model Contact");
    // The command as given, run by a shell, reads that checkpoint.
    const shown = spawnSync('sh', ['-c', `${hinted!.replace(/^rcache/, `"${process.execPath}" "${BIN}" --db "${db}"`)}`], { encoding: 'utf8' });
    expect(shown.status, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ checkpoint: { after: 'p1' }, version: 1 });
  });

  it('refuses a checkpoint that is not a JSON object or is over 64 KiB, and --expect-version alone: exit 2, nothing written', async () => {
    const dir = tempDir();
    const db = dbLocation(dir);
    const pad = (bytes: number) => `{"pad":"${'x'.repeat(bytes - 10)}"}`;
    const cases: [string[], RegExp][] = [
      [['save', '--checkpoint', '[1,2]'], /^rcache: --checkpoint must be a JSON object, not an array\n$/],
      [['save', '--checkpoint', '"p2"'], /^rcache: --checkpoint must be a JSON object, not a string\n$/],
      [['save', '--checkpoint', '{after: p2}'], /^rcache: --checkpoint is not valid JSON \(.+\)\n$/],
      [['save', '--checkpoint', pad(64 * 1024 + 1)], /^rcache: --checkpoint must be at most 64 KiB of JSON text, not 65537 bytes: keep large state elsewhere/],
      [['save', '--expect-version', '0'], /^rcache: --expect-version only applies with --checkpoint: add --checkpoint\n$/],
      [['save', '--checkpoint', '{}', '--expect-version', '-1'], /^rcache: --expect-version takes a whole number of at least 0, not '-1'\n$/],
      [['update', '--checkpoint', 'null'], /^rcache: --checkpoint must be a JSON object, not null\n$/],
      [['delete', '--checkpoint', '7', 'c1'], /^rcache: --checkpoint must be a JSON object, not a number\n$/],
      [['checkpoint', '--set', '[]'], /^rcache: --set must be a JSON object, not an array\n$/],
      [['checkpoint', '--set', pad(64 * 1024 + 1)], /^rcache: --set must be at most 64 KiB of JSON text/],
      [['checkpoint', '--set', '{}', '--clear'], /^rcache: --set and --clear cannot be used together: choose one\n$/],
      [['checkpoint', '--expect-version', '1'], /^rcache: --expect-version only applies with --set or --clear: add one of them\n$/],
    ];
    for (const [args, message] of cases) {
      const result = await rcache(['--db', db, ...args, '--model', 'Contact'], { input: contacts(2) });
      expect(result.code, args.join(' ').slice(0, 80)).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(holdsCache(db), 'no database was created').toBe(false);
    }
    await seed(db, contactList(1), { model: 'Contact' });
    const before = state(db);
    const huge = await rcache(['--db', db, 'save', '--model', 'Contact', '--checkpoint', pad(64 * 1024 + 1)], { input: contacts(5) });
    expect(huge.code).toBe(2);
    expect(state(db)).toEqual(before);
    // 64 KiB exactly is taken, and printed back whole.
    await ok(db, ['checkpoint', '--model', 'Contact', '--set', pad(64 * 1024)]);
    expect((await checkpoint(db)).checkpoint.pad).toHaveLength(64 * 1024 - 10);
  }, 120_000);

  it('a reset clears the checkpoint and counts as a write: the version read before it is refused after', async () => {
    const db = dbLocation(tempDir());
    await withCache(db, (cache) => cache.save({ model: 'Contact' }, contactList(4), { checkpoint: { after: 'p5' } }));
    const { version } = stored(db);
    expect(version).toBe(1);
    await ok(db, ['reset', '--model', 'Contact']);
    expect(stored(db)).toEqual({ checkpoint: null, version: version + 1 });
    const stale = await rcache(['--db', db, 'save', '--model', 'Contact', '--checkpoint', '{"after":"p6"}', '--expect-version', String(version)], {
      input: contacts(4),
    });
    expect(stale.code).toBe(4);
    expect(stale.stderr).toContain(`is at version ${version + 1}, not ${version} as expected`);
    expect(query(db, 'SELECT id FROM records')).toEqual([]);
    await ok(db, ['save', '--model', 'Contact', '--checkpoint', '{"after":"p1"}', '--expect-version', String(version + 1)], contacts(4));
    expect(stored(db)).toEqual({ checkpoint: { after: 'p1' }, version: version + 2 });
    expect(query(db, 'SELECT count(*) AS n FROM records')).toEqual([{ n: 4 }]);
  });

  it('every command names its checkpoint flags in --help with an example, and rcache --help names exit 4', async () => {
    for (const command of ['save', 'delete', 'update']) {
      const help = await rcache([command, '--help']);
      expect(help.stdout).toMatch(/--checkpoint <json>/);
      expect(help.stdout).toMatch(/--expect-version <n>/);
      expect(help.stdout).toMatch(new RegExp(`rcache ${command} --model Contact --checkpoint '\\{.*\\}' --expect-version \\d`));
    }
    const help = await rcache(['checkpoint', '--help']);
    expect(help.stdout).toMatch(/--set <json>[\s\S]*--clear[\s\S]*--expect-version <n>/);
    expect(help.stdout).toMatch(/Examples:[\s\S]*rcache checkpoint --model Contact --set '\{.*\}'/);
    expect((await rcache(['--help'])).stdout).toMatch(/\n {2}4 +conflict: the checkpoint's version is not the one --expect-version names/);
  });
});
