import { expect, it } from 'vitest';
import { browserSuite, dashboardServer, openPage, tableCells, useBrowser } from './dashboard-helpers.js';
import { start, within } from './harness.js';
import { lines, ndjson, rcache, tempDir, seed } from './helpers.js';
import { startReceiver } from './webhook-receiver.js';

const DAY = 24 * 60 * 60 * 1000;

async function run(db: string, args: string[], input = '', env: Record<string, string> = {}): Promise<string> {
  const result = await rcache(['--db', db, ...args], { input, env: { RCACHE_NOW: undefined, ...env } });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

function people(count: number, from = 0, extra: Record<string, unknown> = {}) {
  return Array.from({ length: count }, (_, i) => ({ id: `p${from + i}`, name: `Person ${from + i}`, ...extra }));
}

/** The numbers of an overview row, as written (thousands separators removed). */
const number = (text: string | undefined) => Number((text ?? '').replace(/[^0-9]/g, ''));

browserSuite('dashboard in a browser', () => {
  useBrowser();

  it('shows every dataset with the counts and times of stats --json, after saves, deletes and a prune', async () => {
    const db = `${tempDir()}/cache.db`;
    const old = { RCACHE_NOW: new Date(Date.now() - 40 * DAY).toISOString() };
    await seed(db, people(120), { model: 'Contact', at: old.RCACHE_NOW });
    await seed(db, people(30, 100, { name: 'changed' }), { model: 'Contact' });
    await run(db, ['delete', '--model', 'Contact', 'p1', 'p2', 'p3', 'unknown']);
    await run(db, ['save', '--model', 'Deal', '--integration', 'crm', '--connection', 'acme'], ndjson(people(7)));
    await run(db, ['save', '--model', 'Deal', '--integration', 'crm', '--connection', 'acme', '--full-refresh'], ndjson(people(4)));
    await run(db, ['prune', '--payload-ttl', '30d']);
    const stats = JSON.parse(await run(db, ['stats', '--json'])).datasets as Record<string, any>[];
    expect(stats.map((dataset) => dataset.pruned)).toContain(97);

    const server = await dashboardServer(db);
    const { page, errors } = await openPage(`${server.url}/`);
    await page.locator('#datasets tbody tr').first().waitFor();
    const rows = await tableCells(page, '#datasets');
    expect(rows).toHaveLength(stats.length);
    for (const dataset of stats) {
      const row = rows.find((cells) => cells[0] === dataset.integration && cells[1] === dataset.connection && cells[2] === dataset.model);
      expect(row, dataset.model).toBeDefined();
      expect([row![3], row![4], row![5], row![7]].map(number)).toEqual([dataset.live, dataset.deleted, dataset.pruned, dataset.runs]);
      const link = page.getByRole('link', { name: dataset.model, exact: true });
      const cells = page.locator('#datasets tbody tr').filter({ has: link }).locator('td');
      expect(await cells.nth(6).getAttribute('title')).toBe(`${dataset.bytes.toLocaleString('en-US')} bytes`);
      expect(await cells.nth(8).locator('time').getAttribute('datetime')).toBe(dataset.last_run_at);
      expect(await cells.nth(9).locator('time').getAttribute('datetime')).toBe(dataset.last_change_at);
      expect(await cells.nth(8).locator('time').getAttribute('title')).toContain(dataset.last_run_at);
    }
    await expect.poll(() => page.locator('#db-location').textContent()).toBe(db);

    await page.getByRole('button', { name: 'Live' }).click();
    const live = (await tableCells(page, '#datasets')).map((cells) => number(cells[3]!));
    expect(live).toEqual([...live].sort((a, b) => b - a));
    await page.locator('#search').fill('acme');
    expect((await tableCells(page, '#datasets')).map((cells) => cells[2])).toEqual(['Deal']);
    expect(errors).toEqual([]);
  });

  it('shows a save made while the page is open without a reload', async () => {
    const db = `${tempDir()}/cache.db`;
    await seed(db, people(10), { model: 'Contact' });
    const server = await dashboardServer(db);
    const { page, errors } = await openPage(`${server.url}/#/dataset?integration=default&connection=default&model=Contact`);
    await page.locator('#stream tbody tr').first().waitFor();
    await page.locator('#live:not(.offline)').waitFor();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));

    const saved = Date.now();
    await seed(db, [{ id: 'fresh-one', name: 'New' }], { model: 'Contact' });
    await expect.poll(() => page.locator('#stream tbody tr').first().getAttribute('data-id'), { timeout: 5000, interval: 100 }).toBe('fresh-one');
    const seen = Date.now() - saved;
    await expect.poll(() => page.locator('#stat-live').textContent()).toBe('11');
    await run(db, ['delete', '--model', 'Contact', 'p4']);
    await expect.poll(() => page.locator('#stat-deleted').textContent(), { timeout: 5000 }).toBe('1');
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(1);
    expect(seen).toBeLessThan(5000);
    expect(errors).toEqual([]);
  });

  it('pages through 1,500 changes to the end, each record once, in cursor order', async () => {
    const db = `${tempDir()}/cache.db`;
    await seed(db, people(1500), { model: 'Contact' });
    const stream = lines(await run(db, ['records', '--model', 'Contact']));
    const server = await dashboardServer(db);
    const { page, errors } = await openPage(`${server.url}/#/dataset?integration=default&connection=default&model=Contact`);
    await page.locator('#stream tbody tr').first().waitFor();
    await page.locator('#order').selectOption('asc');
    await expect.poll(() => page.locator('#stream tbody tr').first().getAttribute('data-id')).toBe('p0');
    const seen: string[] = [];
    for (let pages = 0; pages < 200; pages++) {
      seen.push(...(await page.locator('#stream tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')!))));
      const next = page.locator('#page-next');
      if (await next.isDisabled()) break;
      const position = await page.locator('#page-position').textContent();
      await next.click();
      await expect.poll(() => page.locator('#page-position').textContent()).not.toBe(position);
    }
    expect(seen).toHaveLength(1500);
    expect(new Set(seen).size).toBe(1500);
    expect(seen).toEqual(stream.map((record) => record.id));
    expect(await page.locator('#page-position').textContent()).toBe('1,451–1,500');
    expect(errors).toEqual([]);
    // Thirty pages, each a click and a request: more than the default time on a busy machine.
  }, 120_000);

  it('finds rare matches of a filter a part of the stream at a time, each once, to the end', async () => {
    const db = `${tempDir()}/cache.db`;
    await seed(db, people(3000), { model: 'Contact' });
    const kept = new Set(['p9', 'p1499', 'p2899']);
    await seed(
      db,
      people(3000, 0, { changed: true }).filter((person) => !kept.has(person.id)),
      { model: 'Contact' },
    );
    const server = await dashboardServer(db, undefined, { span: 1000 });
    const { page, errors } = await openPage(`${server.url}/#/dataset?integration=default&connection=default&model=Contact`);
    await page.locator('#stream tbody tr').first().waitFor();
    await page.locator('#order').selectOption('asc');
    await page.locator('input[name=filter][value=added]').check();
    await page.getByRole('button', { name: 'Apply' }).click();
    // p9 comes first without the filter too: the note that only part of the stream was searched shows the filtered page.
    await expect.poll(() => page.locator('#page-partial').isVisible()).toBe(true);
    expect(await page.locator('#stream tbody tr').first().getAttribute('data-id')).toBe('p9');
    const seen: string[] = [];
    let pages = 1;
    for (; pages < 20; pages++) {
      seen.push(...(await page.locator('#stream tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')!))));
      const next = page.locator('#page-next');
      if (await next.isDisabled()) break;
      const from = await page.locator('[data-from]').getAttribute('data-from');
      await next.click();
      await expect.poll(() => page.locator('[data-from]').getAttribute('data-from')).not.toBe(from);
    }
    expect(seen).toEqual(['p9', 'p1499', 'p2899']);
    expect(pages).toBe(6);
    expect(await page.locator('#page-partial').count()).toBe(0);
    expect(errors).toEqual([]);

    const newest: string[] = [];
    let cursor = '';
    for (let requests = 0; requests < 20; requests++) {
      const url = `${server.url}/api/changes?integration=default&connection=default&model=Contact&filter=added&limit=2&cursor=${cursor}`;
      const body = (await (await fetch(url)).json()) as { records: { id: string }[]; next_cursor: string | null };
      newest.push(...body.records.map((record) => record.id));
      if (body.next_cursor === null) break;
      cursor = body.next_cursor;
    }
    expect(newest).toEqual(['p2899', 'p1499', 'p9']);
  });

  it('shows a record with its metadata, its cursor and the command that reads after it', async () => {
    const db = `${tempDir()}/cache.db`;
    await run(
      db,
      ['save', '--model', 'Contact'],
      ndjson([
        { id: 'a', name: 'Ann', address: { city: 'Oslo', tags: ['x', 'y'] } },
        { id: 'b', name: 'Bo' },
      ]),
    );
    await run(db, ['delete', '--model', 'Contact', 'a']);
    const [b, a] = lines(await run(db, ['records', '--model', 'Contact']));
    const server = await dashboardServer(db);
    const { page, errors } = await openPage(`${server.url}/#/dataset?integration=default&connection=default&model=Contact`);
    await page.locator('#stream tbody tr[data-id="a"] a').click();
    await page.locator('#record-payload').waitFor();
    expect(await page.locator('#record-cursor').textContent()).toBe(a!._nango_metadata.cursor);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page
      .locator('.copyable', { has: page.locator('#record-cursor') })
      .getByRole('button', { name: 'Copy' })
      .click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(a!._nango_metadata.cursor);
    expect(await page.locator('#record').textContent()).toContain('DELETED');
    expect(await page.locator('#record').textContent()).toContain('deleted');
    expect(await page.locator('#record-payload').textContent()).toContain('"Oslo"');
    expect(JSON.parse((await page.locator('#record-raw').textContent())!)).toEqual(a);

    await page.locator('#record-payload summary').first().click();
    expect(await page.locator('#record-payload details').first().getAttribute('open')).toBeNull();

    await page.locator('#stream tbody tr[data-id="b"] a').click();
    await expect.poll(() => page.locator('#record-id').textContent()).toBe('b');
    const command = (await page.locator('#record-command').textContent())!;
    expect(command).toBe(`rcache records --db ${db} --integration default --connection default --model Contact --cursor ${b!._nango_metadata.cursor}`);
    const after = await rcache(command.split(' ').slice(1));
    expect(lines(after.stdout)).toEqual([a]);
    expect(errors).toEqual([]);
  });
  it('shows each webhook URL without its credentials, with its backlog and last error, once its deliverer starts, and sees it catch up', async () => {
    const db = `${tempDir()}/cache.db`;
    await seed(db, people(3), { model: 'Contact' });
    await seed(db, people(2, 3), { model: 'Contact' });
    let accept = false;
    const receiver = await startReceiver(() => (accept ? 200 : { status: 503, body: 'down for maintenance' }));
    const args = ['--db', db, 'webhooks', '--url', `http://hook:pa55word@127.0.0.1:${receiver.port}/hooks`, '--from-beginning', '--retry-delay', '0.05'];
    const server = await dashboardServer(db);
    const { page, errors } = await openPage(`${server.url}/`);
    await expect.poll(async () => (await tableCells(page, '#datasets')).length).toBe(1);
    // Started after the page was drawn, and no run is committed: the page looks again by itself.
    const failing = start(args);
    await expect.poll(async () => (await tableCells(page, '#webhooks'))[0]?.[5], { timeout: 30_000 }).toContain('HTTP 503: down for maintenance');
    const cells = (await tableCells(page, '#webhooks'))[0]!;
    expect(cells[0]).toBe(`http://127.0.0.1:${receiver.port}/hooks`);
    expect([cells[1], cells[2], cells[3]].map(number)).toEqual([0, 2, 0]);
    expect(cells[6]).toMatch(/ \(pid \d+\)$/);
    expect(await page.locator('#webhooks').textContent()).not.toContain('pa55word');
    // A deliverer started again tries at once, rather than after a wait grown while the receiver was down.
    failing.child.kill('SIGTERM');
    expect((await within(failing.exit, 10_000))?.value.code, failing.err()).toBe(0);
    accept = true;
    const deliverer = start(args);
    // No run is committed: the page looks again by itself, often while the URL is behind.
    await expect.poll(async () => (await tableCells(page, '#webhooks'))[0]![2], { timeout: 30_000 }).toBe('0');
    expect(number((await tableCells(page, '#webhooks'))[0]![3])).toBe(2);
    deliverer.child.kill('SIGTERM');
    expect((await within(deliverer.exit, 10_000))?.value.code, deliverer.err()).toBe(0);
    expect(errors).toEqual([]);
  }, 120_000);
});
