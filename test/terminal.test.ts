import stringWidth from 'string-width';
import { beforeAll, describe, expect, it } from 'vitest';
import { rcache, start, tempDir, until } from './harness.js';
import { lines, ndjson, seed, withCache } from './helpers.js';
import { dbLocation, describeOnce, itOnce } from './store-under-test.js';

const dbIn = () => dbLocation(tempDir());
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The rows of the table in `stdout` (from its header on), each as its trimmed cells. */
function tableRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) =>
      line
        .split('│')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

/** Each row as an object keyed by the header's names. */
function tableObjects(stdout: string): Record<string, string>[] {
  const [header, ...rows] = tableRows(stdout);
  return rows.map((row) => Object.fromEntries(row.map((cell, i) => [header![i]!, cell])));
}

async function seeded(count: number, integration?: string): Promise<string> {
  const db = dbIn();
  await seed(
    db,
    Array.from({ length: count }, (_, i) => ({ id: `r-${i}`, n: i })),
    { model: 'Contact', integration },
  );
  return db;
}

describe('stats on a terminal of any width', () => {
  // Columns go, those saying only "default" first, then by the documented order, and one that
  // fits in the room a wider one left comes back.
  const shown: [number, string, string][] = [
    [30, 'model live deleted', 'kind model added'],
    [40, 'model live deleted payloads', 'kind model added updated'],
    [60, 'model live deleted pruned payloads runs', 'kind model started added'],
    [80, 'model live deleted pruned payloads last_change', 'kind model started added updated deleted'],
    [100, 'model live deleted pruned payloads runs last_change', 'kind model started seconds added updated unchanged deleted'],
    [120, 'model live deleted pruned payloads runs last_run last_change', 'kind model started seconds added updated unchanged deleted rejected pruned'],
    [
      140,
      'integration connection model live deleted pruned payloads runs last_run last_change',
      'kind model started seconds added updated unchanged deleted unknown dupl. rejected pruned',
    ],
    [
      200,
      'integration connection model live deleted pruned payloads runs last_run last_change',
      'kind integration connection model started seconds added updated unchanged deleted unknown dupl. rejected pruned',
    ],
  ];
  const names = (text: string) => text.split(' ').map((name) => name.replace('_', ' '));
  // Read, never written, by the cases at each width.
  let db: string;
  beforeAll(async () => {
    db = await seeded(3_391);
  });

  it.each(shown)('at %i columns never cuts a number or a time: it drops columns instead', async (width, datasets, runs) => {
    const stats = await rcache(['--db', db, 'stats'], { env: { COLUMNS: String(width) } });
    expect(stats.code).toBe(0);
    for (const line of stats.stdout.split('\n').slice(1)) expect(stringWidth(line), line).toBeLessThanOrEqual(width);
    expect(stats.stdout).not.toContain('…');
    expect(tableRows(stats.stdout)[0]).toEqual(names(datasets));
    const [row] = tableObjects(stats.stdout);
    expect(row!.live).toBe('3,391');
    for (const time of ['last run', 'last change']) if (row![time] !== undefined) expect(row![time]).toMatch(ISO);

    const history = await rcache(['--db', db, 'stats', '--runs'], { env: { COLUMNS: String(width) } });
    for (const line of history.stdout.split('\n').slice(1)) expect(stringWidth(line), line).toBeLessThanOrEqual(width);
    expect(history.stdout).not.toContain('…');
    expect(tableRows(history.stdout)[0]).toEqual(names(runs));
    const [run] = tableObjects(history.stdout);
    expect(run!.added).toBe('3,391');
    if (run!.started !== undefined) expect(run!.started).toMatch(ISO);
  });

  it('keeps a column that names something other than "default" ahead of the documented order', async () => {
    const db = await seeded(3, 'acme');
    const stats = await rcache(['--db', db, 'stats'], { env: { COLUMNS: '100' } });
    expect(tableRows(stats.stdout)[0]).toEqual(['integration', 'model', 'live', 'deleted', 'pruned', 'payloads', 'runs', 'last change']);
    expect(tableObjects(stats.stdout)[0]!.integration).toBe('acme');
  });

  it('cuts a long name, and only a name, when what is never dropped does not fit', async () => {
    const db = await seeded(2_000, 'an-integration');
    await seed(db, [{ id: 1 }], { model: 'AVeryLongModelNameIndeedLongerStill' });
    const stats = await rcache(['--db', db, 'stats'], { env: { COLUMNS: '30' } });
    expect(tableRows(stats.stdout)[0]).toEqual(['model', 'live']);
    expect(tableObjects(stats.stdout).map((row) => row.live)).toEqual(['2,000', '1']);
    expect(tableObjects(stats.stdout)[1]!.model).toMatch(/^AVeryLongModel.*…$/);
    for (const line of stats.stdout.split('\n').slice(1)) expect(stringWidth(line)).toBeLessThanOrEqual(30);
  });
});

// How a table is drawn: the records read are the same on either store.
describeOnce('records as a table on a terminal', () => {
  const uuid = (i: number) => `${String(i).padStart(8, '0')}-aaaa-4bbb-8ccc-${'d'.repeat(12)}`;
  const records = Array.from({ length: 3 }, (_, i) => ({ id: uuid(i), name: `name ${i}`, note: 'x'.repeat(300) }));

  // Read, never written, by the cases below but the last.
  let db: string;
  let cursors: string[];
  beforeAll(async () => {
    db = dbIn();
    await seed(db, records, { model: 'R' });
    cursors = await withCache(db, async (cache) => {
      const found: string[] = [];
      for await (const record of cache.changes({ model: 'R' })) found.push(record._nango_metadata.cursor);
      return found;
    });
    expect(cursors).toHaveLength(records.length);
  });

  async function table(width: number) {
    const result = await rcache(['--db', db, 'records', '-m', 'R', '--format', 'table'], { env: { COLUMNS: String(width) } });
    expect(result.code).toBe(0);
    return { cursors, stdout: result.stdout };
  }

  it('at 80 columns keeps the id and the cursor whole, and drops the payload rather than show a sliver of it', async () => {
    const { cursors, stdout } = await table(80);
    expect(tableRows(stdout)[0]).toEqual(['id', 'action', 'cursor']);
    expect(tableObjects(stdout).map((row) => [row.id, row.cursor])).toEqual(records.map((record, i) => [record.id, cursors[i]]));
    for (const line of stdout.split('\n').filter(Boolean)) expect(stringWidth(line)).toBeLessThanOrEqual(80);
  });

  it('at 65 columns drops the action too, and still keeps the cursor whole', async () => {
    const { cursors, stdout } = await table(65);
    expect(tableRows(stdout)[0]).toEqual(['id', 'cursor']);
    expect(tableObjects(stdout).map((row) => row.cursor)).toEqual(cursors);
  });

  it("gives a wide terminal's room to the payload, shown without the id that has its own column", async () => {
    const { cursors, stdout } = await table(200);
    expect(tableRows(stdout)[0]).toEqual(['id', 'action', 'last modified', 'cursor', 'payload']);
    for (const line of stdout.split('\n').filter(Boolean)) expect(stringWidth(line)).toBe(200);
    const rows = tableObjects(stdout);
    expect(rows.map((row) => row.cursor)).toEqual(cursors);
    expect(rows[0]!.payload).toMatch(/^\{"name":"name 0","note":"x{50,}…$/);
  });

  it('gives a pipe the whole table with a payload excerpt of at most 60 columns', async () => {
    const piped = await rcache(['--db', db, 'records', '-m', 'R', '--format', 'table']);
    const rows = tableObjects(piped.stdout);
    expect(Object.keys(rows[0]!)).toEqual(['id', 'action', 'last modified', 'cursor', 'payload']);
    expect(stringWidth(rows[0]!.payload!)).toBe(60);
  });

  it('colours the last action, DELETED included, only when colour is on', async () => {
    const db = dbIn();
    await seed(db, [{ id: 'a' }, { id: 'b' }, { id: 'c' }], { model: 'R' });
    await seed(db, [{ id: 'b', v: 2 }], { model: 'R' });
    await withCache(db, (cache) => cache.delete({ model: 'R' }, { ids: ['c'] }));
    const coloured = await rcache(['--db', db, '--color', 'records', '-m', 'R', '--format', 'table']);
    expect(coloured.stdout).toContain('\u001b[32mADDED\u001b[39m');
    expect(coloured.stdout).toContain('\u001b[33mUPDATED\u001b[39m');
    expect(coloured.stdout).toContain('\u001b[31mDELETED\u001b[39m');
    const plain = await rcache(['--db', db, 'records', '-m', 'R', '--format', 'table'], { env: { FORCE_COLOR: '1', NO_COLOR: undefined } });
    expect(plain.stdout).toContain('\u001b[31mDELETED');
    const off = await rcache(['--db', db, '--no-color', 'records', '-m', 'R', '--format', 'table'], { env: { FORCE_COLOR: '1' } });
    expect(off.stdout).not.toContain('\u001b');
    expect(off.stdout).toMatch(/│ DELETED │/);
  });
});

describe('counts for people', () => {
  it('summaries on stderr have thousands separators; --json keeps plain numbers', async () => {
    const db = dbIn();
    const records = Array.from({ length: 1_234 }, (_, i) => ({ id: i }));
    const save = await rcache(['--db', db, 'save', '-m', 'M'], { input: ndjson(records) });
    expect(save.stderr).toMatch(/^save M: 1,234 added, 0 updated, 0 unchanged \(/);
    const again = await rcache(['--db', db, 'save', '-m', 'M', '--json'], { input: ndjson(records) });
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, unchanged: 1234 });
    const deleted = await rcache(['--db', db, 'delete', '-m', 'M'], { input: ndjson(records.slice(0, 1_001)) });
    expect(deleted.stderr).toMatch(/^delete M: 1,001 deleted, /);
    const later = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const prune = await rcache(['--db', db, 'prune', '--payload-ttl', '1d'], { env: { RCACHE_NOW: later } });
    expect(prune.stderr).toMatch(/^prune: 1,234 payloads pruned, /);
    const reset = await rcache(['--db', db, 'reset', '-m', 'M']);
    expect(reset.stderr).toMatch(/^reset M: 1,234 deleted /);
    const json = JSON.parse((await rcache(['--db', db, 'stats', '--runs', '--json'])).stdout);
    expect(json.runs[0].added).toBe(1234);
  });
});

describe('times', () => {
  it('--modified-after takes a duration back from now, as stats --since does', async () => {
    const db = dbIn();
    await seed(db, [{ id: 'old' }], { at: '2024-01-01T00:00:00Z' });
    await seed(db, [{ id: 'new' }], { at: '2024-01-01T02:00:00Z' });
    const now = { RCACHE_NOW: '2024-01-01T02:30:00Z' };
    for (const [ago, ids] of [
      ['1h', ['new']],
      ['90m', ['new']],
      ['3h', ['old', 'new']],
      ['1d', ['old', 'new']],
      ['10m', []],
    ] as const) {
      const read = await rcache(['--db', db, 'records', '-m', 'M', '--modified-after', ago], { env: now });
      expect(read.code, ago).toBe(0);
      expect(
        lines(read.stdout).map((record) => record.id),
        ago,
      ).toEqual(ids);
    }
    const runs = JSON.parse((await rcache(['--db', db, 'stats', '--runs', '--since', '1h', '--json'], { env: now })).stdout);
    expect(runs.runs).toHaveLength(1);
    const wrong = await rcache(['--db', db, 'records', '-m', 'M', '--modified-after', 'yesterday']);
    expect(wrong).toMatchObject({ code: 2, stdout: '' });
    expect(wrong.stderr).toMatch(/^rcache: --modified-after: 'yesterday' is not an ISO 8601 timestamp.*nor a duration back from now \(90m, 12h, 7d\)\n$/);
    const unit = await rcache(['--db', db, 'records', '-m', 'M', '--modified-after', '5y']);
    expect(unit).toMatchObject({ code: 2, stderr: "rcache: --modified-after takes a duration like 30d, 12h, 90m or 45s, not '5y'\n" });
  });
});

describe('a missing --model', () => {
  it('names the models the database holds, those of the chosen connection first', async () => {
    const db = dbIn();
    for (const model of ['Contact', 'Deal']) await seed(db, [{ id: 1 }], { model });
    await seed(db, [{ id: 1 }], { model: 'Invoice', connection: 'acme' });
    const read = await rcache(['--db', db, 'records']);
    expect(read).toMatchObject({ code: 2, stdout: '' });
    expect(read.stderr).toBe(
      `rcache: required option '-m, --model <name>' not specified: the models in ${db} are Contact, Deal, Invoice (--connection acme)\n`,
    );
    const acme = await rcache(['--db', db, '--connection', 'acme', 'reset']);
    expect(acme.stderr).toBe(
      `rcache: required option '-m, --model <name>' not specified: the models in ${db} are Invoice, Contact (--connection default), Deal (--connection default)\n`,
    );
    const save = await rcache(['--db', db, 'save'], { input: ndjson([{ id: 1 }]) });
    expect(save.code).toBe(2);
    expect(save.stderr).toMatch(/the models in .* are Contact, Deal, /);
  });

  itOnce('says only that it is missing where there is no database, and creates none', async () => {
    const dir = tempDir();
    const result = await rcache(['--db', `${dir}/none.db`, 'save'], { input: ndjson([{ id: 1 }]) });
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: "rcache: required option '-m, --model <name>' not specified\n" });
    expect((await rcache(['--db', `${dir}/none.db`, 'stats'])).code).toBe(1);
  });
});

describe('a consumer started before the first save', () => {
  it('with --follow says once that there is no such dataset, however many commits it wakes up for', async () => {
    const db = dbIn();
    await seed(db, [{ id: 0 }], { model: 'Other' });
    const follower = start(['--db', db, 'records', '-m', 'Contact', '--follow', '--interval', '0.02']);
    await until(() => follower.err().includes('there is no dataset Contact'), 'the follower to say the dataset is missing');
    // Each save, by a process of its own, is a commit it wakes up for.
    for (let i = 1; i <= 4; i++) await rcache(['--db', db, 'save', '-m', 'Other'], { input: ndjson([{ id: i }]) });
    await seed(db, [{ id: 'first' }], { model: 'Contact' });
    await until(() => follower.stdout().includes('"first"'), 'the first Contact');
    expect(lines(follower.stdout()).map((record) => record.id)).toEqual(['first']);
    expect(follower.err()).toBe(`rcache: there is no dataset Contact (integration default, connection default) in ${db}\n`);
  });
});
