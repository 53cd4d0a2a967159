// A checkpoint saved with a run survives kill -9 with it: after every kill the records and the
// checkpoint are those of one run, the old or the new, never a mix. And the README's sync script,
// killed over and over, saves every page once and never fetches a saved page again. Both stores.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir, start, until } from './faults-helpers.js';
import { BIN, query } from './helpers.js';
import { dbLocation, holdsCache, ON_POSTGRES } from './store-under-test.js';

const README = join(import.meta.dirname, '..', 'README.md');

/** The dataset's checkpoint as the database holds it, version 0 when none was ever written (or there is no database yet). */
function checkpointOf(db: string, model: string): { checkpoint: Record<string, any> | null; version: number } {
  if (!holdsCache(db)) return { checkpoint: null, version: 0 };
  const [row] = query<{ checkpoint: string | null; version: number }>(db, 'SELECT checkpoint, version FROM checkpoints WHERE model = ?', model);
  return row === undefined
    ? { checkpoint: null, version: 0 }
    : { checkpoint: row.checkpoint === null ? null : JSON.parse(row.checkpoint), version: row.version };
}

/** The payloads of the dataset's records, as the database holds them: none when there is no database yet. */
function recordsOf(db: string, model: string): Record<string, any>[] {
  if (!holdsCache(db)) return [];
  return query<{ payload: string }>(db, 'SELECT r.payload FROM records r JOIN datasets d ON d.id = r.dataset_id WHERE d.model = ?', model).map((row) =>
    JSON.parse(row.payload),
  );
}

/** Waits until no rcache session of a killed client is left on the server: a commit it sent has then landed or is gone. */
async function settled(db: string): Promise<void> {
  if (!ON_POSTGRES) return;
  const sessions = () =>
    query<{ n: number }>(db, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rcache'`)[0]!.n;
  await until(() => sessions() === 0, 20_000, 'the killed client’s session to end');
}

const RECORDS = 20_000;
const BLOCK = 1000;
const PAD = 'x'.repeat(100);

function block(run: number, index: number): string {
  let text = '';
  for (let i = index * BLOCK; i < (index + 1) * BLOCK; i++) text += `{"id":"r${i}","run":${run},"pad":"${PAD}"}\n`;
  return text;
}

/** The run every record and the checkpoint come from, checked through the records, the dataset's figures and the checkpoint. */
function sameRun(db: string): { run: number; version: number } {
  const records = recordsOf(db, 'M');
  expect(records).toHaveLength(RECORDS);
  const runs = new Set(records.map((record) => record.run));
  expect(runs.size, `records of runs ${[...runs].join(', ')}`).toBe(1);
  expect(query(db, 'SELECT model, live, deleted FROM datasets')).toEqual([{ model: 'M', live: RECORDS, deleted: 0 }]);
  const { checkpoint, version } = checkpointOf(db, 'M');
  expect(checkpoint?.run, 'the checkpoint is of the run the records are of').toBe([...runs][0]);
  return { run: checkpoint!.run, version };
}

describe('a run carrying a checkpoint, killed with SIGKILL', () => {
  it('leaves the records and the checkpoint of one run, the old or the new, wherever it is killed', async () => {
    const db = dbLocation(scratchDir());
    const save = (run: number, version: number) =>
      start(['--db', db, 'save', '--model', 'M', '--checkpoint', JSON.stringify({ run }), '--expect-version', String(version)], {
        env: { RCACHE_NOW: undefined },
      });
    const first = save(0, 0);
    for (let i = 0; i < RECORDS / BLOCK; i++) first.child.stdin!.write(block(0, i));
    first.child.stdin!.end();
    expect((await first.exit).code).toBe(0);
    let current = sameRun(db);
    expect(current).toEqual({ run: 0, version: 1 });

    // Killed once a share of the input was taken (it went through the pipe: rcache read it), or
    // once all of it was, as it commits; then one left alone.
    const points = [0.05, 0.3, 0.55, 0.8, 1, 'end', 'never'] as const;
    let killed = 0;
    for (const [attempt, point] of points.entries()) {
      const run = attempt + 1;
      const proc = save(run, current.version);
      const stdin = proc.child.stdin!;
      const blocks = typeof point === 'number' ? Math.ceil(point * (RECORDS / BLOCK)) : RECORDS / BLOCK;
      for (let i = 0; i < blocks && proc.running(); i++) {
        if (!stdin.write(block(run, i))) await Promise.race([once(stdin, 'drain'), proc.exit]);
      }
      if (typeof point === 'number') await until(() => stdin.writableLength === 0 || !proc.running(), 20_000, 'rcache to read its input');
      else stdin.end();
      if (point === 'end') await Promise.race([once(stdin, 'finish'), proc.exit]);
      if (point !== 'never') {
        proc.child.kill('SIGKILL');
        killed++;
      }
      const exit = await proc.exit;
      expect(exit.stderr).not.toMatch(/rcache: /);
      await settled(db);
      const after = sameRun(db);
      if (point === 'never') expect(exit.code).toBe(0);
      // Killed before its input ended, a run cannot have committed; killed as it ends, it may have.
      if (typeof point === 'number') expect(after, `run ${run}, killed with ${point * 100}% of its input read`).toEqual(current);
      if (after.run === run) {
        expect(after.version, 'the new run wrote its checkpoint once').toBe(current.version + 1);
      } else {
        expect(exit.signal, `run ${run} was killed before it committed`).toBe('SIGKILL');
        expect(after).toEqual(current);
      }
      current = after;
    }
    expect(killed).toBe(6);
    expect(current.run).toBe(points.length);
    expect(query(db, 'SELECT count(*) AS n FROM runs'), 'one run committed per write of the checkpoint').toEqual([{ n: current.version }]);
  }, 240_000);
});

/** The sync script of the README, as it is written there. */
function readmeScript(): string {
  const found = /```sh\n(#!\/bin\/sh\n# sync-contacts[\s\S]*?)```/.exec(readFileSync(README, 'utf8'));
  if (found === null) throw new Error('the README has no sync-contacts script');
  return found[1]!;
}

const PAGES = 12;
const PAGE_SIZE = 40;

/**
 * A folder with the README's script, the feed it reads (`fetch-contact-changes`, which logs each
 * fetch with its time) and `rcache` on the PATH (logging each save as it starts).
 */
function syncFolder(): { dir: string; env: Record<string, string>; fetches: () => { token: string; at: number }[]; saves: () => number } {
  const dir = scratchDir();
  const fetchLog = join(dir, 'fetches.log');
  const callLog = join(dir, 'calls.log');
  writeFileSync(join(dir, 'sync-contacts'), readmeScript());
  writeFileSync(
    join(dir, 'fetch-contact-changes'),
    `#!${process.execPath}
const { appendFileSync } = require('node:fs');
const token = process.argv[2] ?? '';
const page = token === '' ? 0 : Number(token.slice(1));
const records = page < ${PAGES} ? Array.from({ length: ${PAGE_SIZE} }, (_, i) => ({ id: 'c' + page + '-' + i, page, name: 'Contact ' + i })) : [];
process.stdout.write(JSON.stringify({ records, next: 'p' + Math.min(page + 1, ${PAGES}) }) + '\\n');
appendFileSync(${JSON.stringify(fetchLog)}, JSON.stringify({ token, at: Date.now() }) + '\\n');
`,
  );
  writeFileSync(join(dir, 'rcache'), `#!/bin/sh\n[ "$1" = save ] && echo save >> ${JSON.stringify(callLog)}\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  for (const file of ['fetch-contact-changes', 'rcache']) chmodSync(join(dir, file), 0o755);
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  return {
    dir,
    env: { PATH: `${dir}:${process.env.PATH}` },
    fetches: () => read(fetchLog).map((line) => JSON.parse(line)),
    saves: () => read(callLog).length,
  };
}

describe("the README's sync script", () => {
  it('killed with kill -9 after a fetch, as a save starts and right after a commit, saves every page once and never fetches a saved one again', async () => {
    const folder = syncFolder();
    const db = dbLocation(folder.dir);
    const env = { ...process.env, ...folder.env, RCACHE_DB: db, RCACHE_NOW: undefined, NO_COLOR: '1' };
    const sync = () => {
      const child = spawn('sh', [join(folder.dir, 'sync-contacts')], { cwd: folder.dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.stdout.resume();
      const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      return { child, exit, stderr: () => stderr, running: () => child.exitCode === null && child.signalCode === null };
    };
    const version = () => {
      try {
        return query<{ version: number }>(db, 'SELECT version FROM checkpoints')[0]?.version ?? 0;
      } catch {
        return 0; // nothing saved yet: no database, or no schema in it
      }
    };
    const points = ['fetched', 'saving', 'committed', 'fetched', 'saving', 'committed'] as const;
    for (const point of points) {
      const [fetches, saves, before] = [folder.fetches().length, folder.saves(), version()];
      const run = sync();
      const reached = {
        fetched: () => folder.fetches().length > fetches,
        saving: () => folder.saves() > saves,
        committed: () => version() > before,
      }[point];
      await until(() => reached() || !run.running(), 60_000, `the script to have ${point}`);
      expect(run.running(), `the script was still running when it had ${point}: ${run.stderr()}`).toBe(true);
      process.kill(-run.child.pid!, 'SIGKILL');
      await run.exit;
      await settled(db);
      // The checkpoint names the page after the last one saved, and every record saved is of a page before it.
      const { checkpoint, version: written } = checkpointOf(db, 'Contact');
      const next = checkpoint === null ? 0 : Number(checkpoint.after.slice(1));
      expect(written).toBe(next);
      // Killed before its first save, it left no database: no records.
      const records = recordsOf(db, 'Contact');
      expect(records).toHaveLength(next * PAGE_SIZE);
      expect(records.every((record) => record.page < next)).toBe(true);
    }

    const last = sync();
    expect(await last.exit, last.stderr()).toBe(0);
    const records = recordsOf(db, 'Contact');
    expect(records).toHaveLength(PAGES * PAGE_SIZE);
    expect(new Set(records.map((record) => record.id)).size).toBe(PAGES * PAGE_SIZE);
    expect(checkpointOf(db, 'Contact')).toEqual({ checkpoint: { after: `p${PAGES}` }, version: PAGES });
    // Each page was saved once, by a run that added all of it: none saved twice, none skipped.
    const saves = query<{ kind: string; added: number; updated: number; unchanged: number; finished_at: number }>(
      db,
      'SELECT kind, added, updated, unchanged, finished_at FROM runs ORDER BY number',
    );
    expect(saves.map((run) => [run.kind, run.added, run.updated, run.unchanged])).toEqual(Array(PAGES).fill(['save', PAGE_SIZE, 0, 0]));
    // No page was fetched once its save had committed; a page is fetched again only after a kill.
    const fetches = folder.fetches();
    saves.forEach((run, page) => {
      for (const fetch of fetches.filter((f) => f.token === (page === 0 ? '' : `p${page}`))) expect(fetch.at).toBeLessThan(run.finished_at);
    });
    expect(fetches.length).toBeLessThanOrEqual(PAGES + 1 + points.length);
    expect(fetches.at(-1)!.token, 'it stops once caught up').toBe(`p${PAGES}`);
  }, 300_000);
});
