// rcache processes against a real PostgreSQL server: concurrent writers and readers on several
// processes, writers killed or cut off mid-run, and a server that stops.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { startCluster } from '../scripts/postgres-cluster.mjs';
import { expectOneLineError } from './faults-helpers.js';
import { run, start, tempDir, until, within, type Proc } from './harness.js';
import { ndjson, seed } from './helpers.js';
import { POSTGRES_URL, adminClient, databaseUrl, freshDatabase } from './stores.js';

function records(prefix: string, count: number, from = 0): unknown[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${from + i}`, n: from + i, text: 'x'.repeat(100) }));
}

/** Ids printed on an NDJSON stdout. */
function idsIn(stdout: Buffer | string): string[] {
  return String(stdout)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line).id as string);
}

/** The server processes of a database that sit in an open transaction. */
async function openTransactions(database: string): Promise<number[]> {
  const { rows } = await (await adminClient()).query(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'rcache' AND state LIKE 'idle in transaction%'`,
    [database],
  );
  return rows.map((row) => row.pid as number);
}

/** How many server processes of a database wait for a lock. */
async function lockWaits(database: string): Promise<number> {
  const { rows } = await (await adminClient()).query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [
    database,
  ]);
  return rows[0].n as number;
}

/** The server processes of a database that listen for rcache's commits (a follower's, a server's). */
async function listeners(database: string): Promise<number[]> {
  const { rows } = await (await adminClient()).query(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'rcache'
       AND query IN ('LISTEN rcache', 'SELECT database_id AS id FROM rcache.meta', 'SELECT 1')`,
    [database],
  );
  return rows.map((row) => row.pid as number);
}

/**
 * Starts a save that has begun its run (it holds its dataset's lock) and waits for more input.
 * The database must hold rcache's schema already, so that the open transaction is the run's.
 */
async function saveInProgress(url: string, database: string, model: string, lines: number): Promise<Proc & { backend: number }> {
  const before = new Set(await openTransactions(database));
  const proc = start(['save', '--model', model, '--db', url]);
  proc.child.stdin!.write(ndjson(records(model, lines)));
  // The run's server process, seen idle in its transaction once: it may be busy again at any later look.
  let backend: number | undefined;
  await until(
    async () => !proc.running() || (backend = (await openTransactions(database)).find((pid) => !before.has(pid))) !== undefined,
    20_000,
    'the save to begin its run',
  );
  if (backend === undefined) throw new Error(`the save did not begin its run: ${proc.err()}`);
  return Object.assign(proc, { backend });
}

/** `rcache serve` on an ephemeral port, once it listens. */
async function serve(url: string): Promise<{ url: string; proc: Proc }> {
  const proc = start(['serve', '--port', '0', '--db', url], { env: { RCACHE_SECRET_KEY: undefined } });
  proc.child.stdin!.end();
  await until(() => /listening on http:\/\/\S+/.test(proc.err()) || !proc.running(), 20_000, 'the server to listen');
  const address = /listening on (http:\/\/\S+)/.exec(proc.err());
  if (!address) throw new Error(`rcache serve did not start: ${proc.err()}`);
  return { url: address[1]!, proc };
}

describe.skipIf(POSTGRES_URL === undefined)('rcache processes on PostgreSQL', () => {
  test('three writers on one dataset, one on another, a paging reader and a follower: every change seen exactly once', async () => {
    const { url } = await freshDatabase();
    const dir = tempDir();
    const cursorFile = join(dir, 'follower.cursor');
    await seed(url, records('seed', 1), { model: 'Contact' });
    const follower = start(['records', '--model', 'Contact', '--db', url, '--follow', '--interval', '5', '--cursor-file', cursorFile]);

    const runsEach = 4;
    const perRun = 100;
    const writer = async (prefix: string, model: string) => {
      for (let i = 0; i < runsEach; i++) {
        const result = await run(['save', '--model', model, '--db', url], ndjson(records(prefix, perRun, i * perRun)));
        expect(result.stderr).toMatch(new RegExp(`${perRun} added`));
      }
    };
    const writers = Promise.all([writer('a', 'Contact'), writer('b', 'Contact'), writer('c', 'Contact'), writer('d', 'Deal')]);
    let writing = true;
    void writers.finally(() => (writing = false));

    // A reader paging with small pages from the last cursor it processed, while the writers write.
    const paged: string[] = [];
    let cursor = '';
    for (let round = 0; round < 2_000; round++) {
      const last = !writing;
      const page = await run(['records', '--model', 'Contact', '--db', url, '--limit', '37', '--format', 'json', '--cursor', cursor]);
      expect(page.code).toBe(0);
      const body = JSON.parse(String(page.stdout)) as { records: { id: string; _nango_metadata: { cursor: string } }[] };
      for (const record of body.records) paged.push(record.id);
      if (body.records.length > 0) cursor = body.records.at(-1)!._nango_metadata.cursor;
      else if (last) break;
      // Read again once there is more to read: the follower has seen a commit this reader has not.
      else await until(() => !writing || follower.stdout().split('\n').length - 1 > paged.length, 20_000, 'another commit');
    }
    await writers;

    const expected = ['seed-0', ...['a', 'b', 'c'].flatMap((prefix) => records(prefix, runsEach * perRun).map((r) => (r as { id: string }).id))];
    expect(paged.length).toBe(expected.length);
    expect([...paged].sort()).toEqual([...expected].sort());

    // The follower woke on the commits (its interval is longer than the whole test's writes).
    await until(() => idsIn(follower.out()).length >= expected.length, 30_000, 'the follower to catch up');
    follower.child.kill('SIGTERM');
    const followed = await follower.exit;
    expect(followed.code).toBe(0);
    const seen = idsIn(followed.stdout);
    expect(seen.length).toBe(expected.length);
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(readFileSync(cursorFile, 'utf8').trim()).not.toBe('');
    const deals = await run(['records', '--model', 'Deal', '--db', url]);
    expect(idsIn(deals.stdout).length).toBe(runsEach * perRun);
  }, 180_000);

  test('kill -9 of a writer mid-run: its run is absent, its lock is free, another writer carries on', async () => {
    const { name, url } = await freshDatabase();
    await seed(url, records('kept', 10), { model: 'Contact' });
    const victim = await saveInProgress(url, name, 'Contact', 5_000);
    const other = start(['save', '--model', 'Deal', '--db', url]);
    other.child.stdin!.end(ndjson(records('deal', 100)));
    victim.child.kill('SIGKILL');
    expect((await victim.exit).signal).toBe('SIGKILL');
    expect((await other.exit).code).toBe(0);

    const after = await run(['save', '--model', 'Contact', '--db', url, '--busy-timeout', '10000'], ndjson(records('later', 5)));
    expect(after.code).toBe(0);
    const contacts = idsIn((await run(['records', '--model', 'Contact', '--db', url])).stdout);
    expect(contacts).toEqual([...records('kept', 10), ...records('later', 5)].map((r) => (r as { id: string }).id));
    const stats = JSON.parse(String((await run(['stats', '--json', '--db', url])).stdout));
    expect(stats.datasets.map((d: { model: string; live: number }) => [d.model, d.live])).toEqual([
      ['Contact', 15],
      ['Deal', 100],
    ]);
  });

  test('a writer whose server process is terminated mid-run: one clear line, exit 1, nothing of the run saved', async () => {
    const { name, url } = await freshDatabase();
    await seed(url, records('deal', 1), { model: 'Deal' });
    const victim = await saveInProgress(url, name, 'Contact', 5_000);
    await (await adminClient()).query('SELECT pg_terminate_backend($1)', [victim.backend]);
    victim.child.stdin!.end(ndjson(records('more', 10)));
    const result = await victim.exit;
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, /lost the connection to PostgreSQL/);
    const stats = JSON.parse(String((await run(['stats', '--json', '--db', url])).stdout));
    // Even the dataset the run created is gone with it.
    expect(stats.datasets.map((d: { model: string; live: number }) => [d.model, d.live])).toEqual([['Deal', 1]]);
    expect(idsIn((await run(['records', '--model', 'Contact', '--db', url])).stdout)).toEqual([]);
  });

  test('a writer waits for the dataset lock up to --busy-timeout, then fails with exit 1 and nothing saved', async () => {
    const { name, url } = await freshDatabase();
    await seed(url, records('deal', 1), { model: 'Deal' });
    const holder = await saveInProgress(url, name, 'Contact', 3_000);
    const started = Date.now();
    const waiter = await run(['save', '--model', 'Contact', '--db', url, '--busy-timeout', '400'], ndjson(records('late', 3)));
    expect(waiter.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expectOneLineError(waiter.stderr, /.+/);
    // A writer of another dataset is not held up.
    expect((await run(['save', '--model', 'Deal', '--db', url, '--busy-timeout', '400'], ndjson(records('deal', 3, 1)))).code).toBe(0);
    holder.child.stdin!.end();
    expect((await holder.exit).code).toBe(0);
    expect(idsIn((await run(['records', '--model', 'Contact', '--db', url])).stdout)).toHaveLength(3_000);
  });

  test('prune --vacuum while a reader holds the records table: the prune is saved, no space given back, exit 1', async () => {
    const { url } = await freshDatabase();
    const make = (model: string, count: number, at: string) =>
      run(['save', '--model', model, '--db', url], ndjson(records(model, count)), { env: { RCACHE_NOW: at } });
    expect((await make('Old', 200, '2026-01-01T00:00:00Z')).code).toBe(0);
    expect((await make('Keep', 50, '2026-03-01T00:00:00Z')).code).toBe(0);
    const reader = new pg.Client({ connectionString: url });
    await reader.connect();
    try {
      await reader.query('BEGIN; SELECT count(*) FROM rcache.records');
      const args = ['prune', '--payload-ttl', '30d', '--dataset-ttl', '365d', '--vacuum', '--busy-timeout', '300', '--db', url];
      const result = await run(args, '', { env: { RCACHE_NOW: '2026-03-02T00:00:00Z' } });
      expect(result.code).toBe(1);
      const [summary, error, ...rest] = result.stderr.split('\n');
      expect(summary).toBe('prune: 200 payloads pruned, 0 datasets expired (0 records deleted); no disk space reclaimed');
      expect(error).toMatch(/^rcache: the prune was saved, but the space it freed could not be given back to the file system: \S/);
      expect(rest).toEqual(['']);
      await reader.query('ROLLBACK');
      const { rows } = await reader.query(
        `SELECT d.model, count(*) FILTER (WHERE r.payload IS NULL)::int AS pruned FROM rcache.records r JOIN rcache.datasets d ON d.id = r.dataset_id GROUP BY d.model ORDER BY d.model`,
      );
      expect(rows).toEqual([
        { model: 'Keep', pruned: 0 },
        { model: 'Old', pruned: 200 },
      ]);
    } finally {
      await reader.end();
    }
  });

  test("another program's database is refused in one line that says to choose another database, and left untouched", async () => {
    const { url } = await freshDatabase();
    const owner = new pg.Client({ connectionString: url });
    await owner.connect();
    try {
      await owner.query('CREATE TABLE notes (body text)');
      for (const args of [['save', '--model', 'M'], ['stats'], ['records', '--model', 'M', '--follow']]) {
        const result = await run([...args, '--db', url], ndjson(records('m', 1)));
        expect(result.code, args.join(' ')).toBe(1);
        expect(result.stderr, args.join(' ')).toBe(
          `rcache: ${url} is not an rcache database (it holds another program's tables (public.notes)); choose another database with --db (rcache needs one of its own)\n`,
        );
      }
      const { rows } = await owner.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rcache'`);
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await owner.end();
    }
  });

  test('commands that only remove or update, on a database without rcache in it: exit 1 naming it, and nothing created', async () => {
    const { name, url } = await freshDatabase();
    for (const args of [['reset', '-m', 'A'], ['delete', '-m', 'A', '1'], ['prune'], ['update', '-m', 'A']]) {
      const result = await run([...args, '--db', url], ndjson([{ id: 1 }]));
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout.length, args.join(' ')).toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(
        new RegExp(`^rcache: no rcache database at \\S*/${name}\\S* \\(save some records first, or pass --db\\)\\n$`),
      );
    }
    const reader = new pg.Client({ connectionString: url });
    await reader.connect();
    try {
      const { rows } = await reader.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rcache'`);
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await reader.end();
    }
    // A save creates it.
    expect((await run(['save', '-m', 'A', '--db', url], ndjson([{ id: 1 }]))).code).toBe(0);
    expect((await run(['reset', '-m', 'A', '--db', url])).code).toBe(0);
  });

  test('SIGINT during a run, or while it waits for the dataset lock: exit 130 at once, nothing saved', async () => {
    const { name, url } = await freshDatabase();
    await seed(url, records('deal', 1), { model: 'Deal' });
    const holder = await saveInProgress(url, name, 'Contact', 3_000);
    const waiter = start(['save', '--model', 'Contact', '--db', url, '--busy-timeout', '60000']);
    waiter.child.stdin!.end(ndjson(records('late', 3)));
    await until(async () => !waiter.running() || (await lockWaits(name)) > 0, 20_000, 'the second writer to wait for the lock');
    expect(waiter.running()).toBe(true);
    const interrupted = Date.now();
    waiter.child.kill('SIGINT');
    const waited = await waiter.exit;
    expect(waited.code).toBe(130);
    expect(Date.now() - interrupted).toBeLessThan(5_000);
    expectOneLineError(waited.stderr, /interrupted/);

    holder.child.kill('SIGINT');
    const held = await holder.exit;
    expect(held.code).toBe(130);
    expectOneLineError(held.stderr, /interrupted/);
    expect(await openTransactions(name)).toEqual([]);
    const stats = JSON.parse(String((await run(['stats', '--json', '--db', url])).stdout));
    expect(stats.datasets.map((d: { model: string; live: number }) => [d.model, d.live])).toEqual([['Deal', 1]]);
  });

  test('rcache cursor and a --since-now follower, taken while a save is in flight, miss none of its changes', async () => {
    const { name, url } = await freshDatabase();
    await seed(url, records('seed', 10), { model: 'M' });
    const reader = new pg.Client({ connectionString: url });
    await reader.connect();
    try {
      const taken = async () => Number((await reader.query('SELECT last_value FROM rcache.positions')).rows[0].last_value);
      const seeded = await taken();
      // Enough lines for the run to write a batch or two, taking positions, while it waits for the rest.
      const writer = start(['save', '--model', 'M', '--db', url]);
      writer.child.stdin!.write(ndjson(records('run', 4_000)));
      await until(async () => !writer.running() || (await taken()) > seeded, 20_000, 'the run to take positions');
      expect(await taken(), writer.err()).toBeGreaterThan(seeded);

      const end = await run(['cursor', '--model', 'M', '--db', url]);
      expect(end.code).toBe(0);
      const cursor = String(end.stdout).trim();
      const follower = start(['records', '--model', 'M', '--db', url, '--follow', '--since-now', '--interval', '5']);
      // It listens for commits once it has taken its starting point.
      await until(async () => !follower.running() || (await listeners(name)).length > 0, 20_000, 'the follower to listen');
      expect(await listeners(name), follower.err()).toHaveLength(1);

      writer.child.stdin!.end(ndjson(records('run', 100, 4_000)));
      expect((await writer.exit).code).toBe(0);
      const expected = records('run', 4_100).map((r) => (r as { id: string }).id);
      const read = await run(['records', '--model', 'M', '--db', url, '--cursor', cursor]);
      expect(read.code).toBe(0);
      expect(idsIn(read.stdout)).toEqual(expected);
      await until(() => idsIn(follower.out()).length >= expected.length, 20_000, 'the follower to print the run');
      follower.child.kill('SIGTERM');
      const followed = await follower.exit;
      expect(followed.code).toBe(0);
      expect(idsIn(followed.stdout)).toEqual(expected);
    } finally {
      await reader.end();
    }
  });

  test('a follower and serve whose listening connection is lost again and again keep one, and still stop at once on SIGTERM', async () => {
    const [followed, served] = [await freshDatabase(), await freshDatabase()];
    for (const { url } of [followed, served]) await seed(url, records('m', 1), { model: 'M' });
    const follower = start(['records', '--model', 'M', '--db', followed.url, '--follow', '--interval', '0.05']);
    const server = await serve(served.url);
    // A dashboard's live updates: the server waits for commits as long as the stream is open.
    const stream = new AbortController();
    const live = await fetch(`${server.url}/api/events`, { signal: stream.signal });
    const events: string[] = [];
    void (async () => {
      const body = live.body!.pipeThrough(new TextDecoderStream()).getReader();
      for (let chunk = await body.read(); !chunk.done; chunk = await body.read()) events.push(chunk.value);
    })().catch(() => {});
    await until(() => events.join('').includes('event: version'), 20_000, 'the first live update');
    const listening = async (database: string) => {
      let pids: number[] = [];
      await until(async () => (pids = await listeners(database)).length > 0, 10_000, `a session of ${database} to listen`);
      return pids;
    };
    for (let round = 1; round <= 3; round++) {
      for (const { name } of [followed, served]) {
        const pids = await listening(name);
        expect(pids, `round ${round}: ${name}`).toHaveLength(1);
        await (await adminClient()).query('SELECT pg_terminate_backend($1)', [pids[0]]);
      }
      const seen = events.join('').length;
      for (const { url } of [followed, served]) expect((await run(['save', '--model', 'M', '--db', url], ndjson(records('m', 1, round)))).code).toBe(0);
      await until(() => !follower.running() || idsIn(follower.out()).length === round + 1, 20_000, `the follower to print the save of round ${round}`);
      expect(idsIn(follower.out()), follower.err()).toHaveLength(round + 1);
      await until(() => events.join('').slice(seen).includes('event: version'), 20_000, `a live update in round ${round}`);
    }
    for (const { name } of [followed, served]) {
      await until(async () => (await listeners(name)).length === 1, 10_000, `one session of ${name} to listen`);
    }
    stream.abort();
    for (const proc of [follower, server.proc]) {
      proc.child.kill('SIGTERM');
      const ended = await within(proc.exit, 10_000);
      expect(ended?.value.code, proc.err()).toBe(0);
    }
    expect(idsIn(follower.out())).toEqual(records('m', 4).map((r) => (r as { id: string }).id));
  }, 60_000);

  test('several serve instances on one database answer alike and keep no state of their own', async () => {
    const { url } = await freshDatabase();
    await seed(url, records('c', 250), { model: 'Contact' });
    const servers = await Promise.all([serve(url), serve(url)]);
    const get = async (server: number, query: string) => {
      const response = await fetch(`${servers[server]!.url}/records?model=Contact&${query}`, {
        headers: { 'Provider-Config-Key': 'default', 'Connection-Id': 'default' },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { records: { id: string }[]; next_cursor: string | null };
    };
    // Pages taken from either instance in turn, each from the cursor the other handed out.
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const body = await get(page % 2, `limit=40${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...body.records.map((record) => record.id));
      cursor = body.next_cursor;
      if (cursor === null) break;
    }
    expect(ids).toEqual(records('c', 250).map((r) => (r as { id: string }).id));
    expect(await get(0, 'limit=7')).toEqual(await get(1, 'limit=7'));

    // A prune through one is seen through the other; a save by a third process, through both.
    const last = (await get(0, 'limit=10')).next_cursor!;
    const pruned = await fetch(`${servers[1]!.url}/records/prune`, {
      method: 'PATCH',
      headers: { 'Provider-Config-Key': 'default', 'Connection-Id': 'default', 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'Contact', until_cursor: last }),
    });
    expect(await pruned.json()).toEqual({ count: 10, has_more: false });
    await seed(url, records('c', 1, 250), { model: 'Contact' });
    const first = await get(0, 'limit=1000');
    expect(first).toEqual(await get(1, 'limit=1000'));
    expect(first.records).toHaveLength(251);
    expect(first.records.filter((record) => Object.keys(record).length === 2)).toHaveLength(10);
    for (const server of servers) {
      server.proc.child.kill('SIGTERM');
      expect((await server.proc.exit).code).toBe(0);
    }
  });

  test('the privileges the README names are enough: a writer and a reader that may do nothing else', async () => {
    const { name, url } = await freshDatabase();
    await seed(url, records('c', 3), { model: 'Contact' });
    const admin = await adminClient();
    const writer = `rcache_w${process.pid}`;
    const reader = `rcache_r${process.pid}`;
    const owner = new (await import('pg')).default.Client({ connectionString: url });
    await owner.connect();
    try {
      for (const role of [writer, reader]) {
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
        await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
        await owner.query(`GRANT USAGE ON SCHEMA rcache TO ${role}`);
      }
      await owner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA rcache TO ${writer}`);
      await owner.query(`GRANT SELECT, USAGE ON ALL SEQUENCES IN SCHEMA rcache TO ${writer}`);
      await owner.query(`GRANT SELECT ON ALL TABLES IN SCHEMA rcache TO ${reader}`);
      await owner.query(`GRANT SELECT ON ALL SEQUENCES IN SCHEMA rcache TO ${reader}`);
      const as = (role: string) => databaseUrl(name, { name: role, password: 'pw' });
      expect((await run(['save', '--model', 'Contact', '--db', as(writer)], ndjson(records('c', 150, 3)))).code).toBe(0);
      expect((await run(['delete', '--model', 'Contact', '--db', as(writer), 'c-0'])).code).toBe(0);
      expect((await run(['prune', '--model', 'Contact', '--db', as(writer), '--until-cursor', ''])).code).toBe(0);
      const read = await run(['records', '--model', 'Contact', '--db', as(reader)]);
      expect(read.code).toBe(0);
      expect(idsIn(read.stdout)).toHaveLength(153);
      expect((await run(['stats', '--db', as(reader)])).code).toBe(0);
      const denied = await run(['save', '--model', 'Contact', '--db', as(reader)], ndjson(records('x', 1)));
      expect(denied.code).toBe(1);
      expectOneLineError(denied.stderr, /permission denied/);
    } finally {
      await owner.query(`DROP OWNED BY ${writer}, ${reader}`).catch(() => {});
      await owner.end();
      for (const role of [writer, reader]) await admin.query(`DROP ROLE IF EXISTS ${role}`);
    }
  });

  test('a password in the URL appears in no message: unknown datasets, a waiting follower, serve, stats', async () => {
    const { url } = await freshDatabase();
    const secret = 'Sup3r-s3cret-pw';
    // The suite's superuser logs in without a password, so any password in the URL is accepted.
    const withPassword = url.replace('postgres@', `postgres:${secret}@`);
    const waiting = start(['records', '--model', 'M', '--follow', '--interval', '0.05', '--db', withPassword]);
    await until(() => waiting.err().includes('waiting for'), 20_000, 'the follower to wait');
    expect((await run(['save', '--model', 'M', '--db', withPassword], ndjson(records('m', 2)))).code).toBe(0);
    await until(() => idsIn(waiting.out()).length === 2, 20_000, 'the follower to print');
    waiting.child.kill('SIGTERM');
    const outputs = [(await waiting.exit).stderr];
    outputs.push((await run(['records', '--model', 'Nope', '--db', withPassword])).stderr);
    outputs.push((await run(['cursor', '--model', 'Nope', '--db', withPassword])).stderr);
    const stats = await run(['stats', '--db', withPassword]);
    outputs.push(stats.stderr, String(stats.stdout), String((await run(['stats', '--json', '--db', withPassword])).stdout));
    const server = await serve(withPassword);
    server.proc.child.kill('SIGTERM');
    outputs.push((await server.proc.exit).stderr);
    expect(outputs.join('\n')).toContain('waiting for the first save to postgresql://postgres@');
    expect(outputs.join('\n')).toContain('there is no dataset Nope');
    for (const output of outputs) expect(output).not.toContain(secret);
  });

  test('a server that asks for a password the URL lacks: one line at once, exit 1; PGPASSWORD or a password file gives it', async () => {
    const { name } = await freshDatabase();
    const admin = await adminClient();
    const role = `rcache_nopw_${process.pid}`;
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'the-right-one'`);
    try {
      const url = databaseUrl(name, { name: role, password: '' });
      const unknown = databaseUrl(name, { name: `${role}_nobody`, password: '' });
      const attempts = [['stats'], ['save', '--model', 'M', '--busy-timeout', '100'], ['records', '--model', 'M', '--follow']];
      for (const [args, db] of [...attempts.map((args) => [args, url] as const), [['stats'], unknown] as const]) {
        const started = Date.now();
        const result = await run([...args, '--db', db], ndjson(records('x', 1)));
        // The server would hold the connection for its authentication timeout, a minute.
        expect(Date.now() - started, args.join(' ')).toBeLessThan(20_000);
        expect(result.code, args.join(' ')).toBe(1);
        expectOneLineError(
          result.stderr,
          /^rcache: cannot connect to PostgreSQL at postgresql:\/\/rcache_nopw_\d+(_nobody)?@\S+: the server asks for a password and the URL gives none \(/,
        );
      }
      const connected = /^rcache: no rcache database at /;
      const withVariable = await run(['stats', '--db', url], '', { env: { PGPASSWORD: 'the-right-one' } });
      expectOneLineError(withVariable.stderr, connected);
      const file = join(tempDir(), 'pgpass');
      writeFileSync(file, `*:*:*:${role}:the-right-one\n`, { mode: 0o600 });
      const withFile = await run(['stats', '--db', url], '', { env: { PGPASSFILE: file, PGPASSWORD: undefined } });
      expectOneLineError(withFile.stderr, connected);
    } finally {
      await admin.query(`DROP ROLE ${role}`);
    }
  });

  test('sslmode in the URL prints no driver warning: require against a server without SSL fails in one line, disable connects', async () => {
    const { url } = await freshDatabase();
    await seed(url, records('m', 1), { model: 'M' });
    for (const mode of ['require', 'prefer', 'verify-full', 'no-verify']) {
      const result = await run(['stats', '--db', `${url}?sslmode=${mode}`]);
      expect(result.code, mode).toBe(1);
      expectOneLineError(
        result.stderr,
        new RegExp(`^rcache: cannot connect to PostgreSQL at \\S+\\?sslmode=${mode}: the server does not support SSL connections`),
      );
    }
    const disabled = await run(['stats', '--json', '--db', `${url}?sslmode=disable`]);
    expect(disabled.stderr).toBe('');
    expect(JSON.parse(String(disabled.stdout)).datasets).toHaveLength(1);
    const fromVariable = await run(['stats', '--db', url], '', { env: { PGSSLMODE: 'require' } });
    expectOneLineError(fromVariable.stderr, /the server does not support SSL connections/);
    const unknown = await run(['stats', '--db', `${url}?sslmode=always`]);
    expect(unknown.code).toBe(1);
    expectOneLineError(unknown.stderr, /: sslmode always is not one of disable, prefer, require, verify-ca, verify-full/);
    expectOneLineError((await run(['stats', '--db', `${url}?sslmode=verify-ca`])).stderr, /: sslmode verify-ca needs sslrootcert/);
  });

  test('a wrong password, a missing database and a stopped server: one line each, exit 1, no password anywhere', async () => {
    const admin = await adminClient();
    const role = `rcache_cli_${process.pid}`;
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'the-right-one'`);
    try {
      const wrong = await run(['stats', '--db', databaseUrl('postgres', { name: role, password: 'S3cr3t-Wr0ng' })]);
      expect(wrong.code).toBe(1);
      expectOneLineError(wrong.stderr, /password authentication failed/);
      expect(wrong.stderr + String(wrong.stdout)).not.toContain('S3cr3t-Wr0ng');
    } finally {
      await admin.query(`DROP ROLE ${role}`);
    }

    const missing = await run(['save', '--model', 'Contact', '--db', databaseUrl('rcache_nowhere')], ndjson(records('x', 1)));
    expect(missing.code).toBe(1);
    expectOneLineError(missing.stderr, /rcache_nowhere/);

    const cluster = await startCluster();
    let stopped = false;
    try {
      const url = cluster.urlFor('postgres').replace('postgres@', 'postgres:pa55word@');
      expect((await run(['save', '--model', 'Contact', '--db', url], ndjson(records('x', 3)))).code).toBe(0);
      await cluster.stop();
      stopped = true;
      expect(existsSync(cluster.socketDir)).toBe(false);
      for (const args of [['records', '--model', 'Contact'], ['save', '--model', 'Contact'], ['stats']]) {
        const down = await run([...args, '--db', url], ndjson(records('y', 1)));
        expect(down.code).toBe(1);
        expectOneLineError(down.stderr, /cannot connect to PostgreSQL at postgresql:\/\/postgres@.*: no server is listening there/);
        expect(down.stderr).not.toContain('pa55word');
      }
    } finally {
      if (!stopped) await cluster.stop();
    }
  });
});
