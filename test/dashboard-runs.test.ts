import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { browserSuite, dashboardServer, openPage, tableCells, useBrowser } from './dashboard-helpers.js';
import { rcache, seed, tempDir } from './helpers.js';

const MINUTE = 60_000;
const COLORS = { added: [46, 157, 79], updated: [47, 111, 209], deleted: [209, 70, 47], unchanged: [138, 143, 152] } as const;
type Color = keyof typeof COLORS;

async function run(db: string, args: string[], input = '', at?: number): Promise<void> {
  const result = await rcache(['--db', db, ...args], { input, env: { RCACHE_NOW: at === undefined ? undefined : new Date(at).toISOString() } });
  expect(result.code, result.stderr).toBe(0);
}

function people(count: number, extra: Record<string, unknown> = {}) {
  return Array.from({ length: count }, (_, i) => ({ id: `p${i}`, name: `Person ${i}`, ...extra }));
}

/**
 * How many pixels of each series' colour the chart's canvas has in the one-pixel column at
 * `fraction` of the plot's width, and the plot's height: what a user sees there.
 */
function column(page: Page, fraction: number): Promise<{ height: number } & Record<Color, number>> {
  return page.evaluate(
    ({ fraction, colors }) => {
      const canvas = document.querySelector<HTMLCanvasElement>('#chart canvas')!;
      const over = document.querySelector('#chart .u-over')!.getBoundingClientRect();
      const box = canvas.getBoundingClientRect();
      const scale = canvas.width / box.width;
      const x = Math.round((over.left - box.left + over.width * fraction) * scale);
      const top = Math.round((over.top - box.top) * scale);
      const height = Math.round(over.height * scale);
      const pixels = canvas.getContext('2d')!.getImageData(x, top, 1, height).data;
      const counts = Object.fromEntries(Object.keys(colors).map((name) => [name, 0])) as Record<string, number>;
      for (let i = 0; i < pixels.length; i += 4) {
        for (const [name, [r, g, b]] of Object.entries(colors)) {
          if (Math.abs(pixels[i]! - r) + Math.abs(pixels[i + 1]! - g) + Math.abs(pixels[i + 2]! - b) < 40 && pixels[i + 3]! > 200) counts[name]!++;
        }
      }
      return { height, ...counts } as { height: number } & Record<Color, number>;
    },
    { fraction, colors: COLORS },
  );
}

browserSuite('dashboard: the runs of a dataset', () => {
  useBrowser();

  it('draws each run as its own bar, a few hundred updates readable beside 20,000 records, the exact time on hover', async () => {
    const db = `${tempDir()}/cache.db`;
    const start = Date.now() - 3 * 60 * MINUTE;
    const all = people(20_000);
    await seed(db, all, { model: 'Contact', at: new Date(start).toISOString() });
    await seed(db, all, { model: 'Contact', at: new Date(start + MINUTE).toISOString() });
    await seed(db, [...people(300, { moved: true }), ...all.slice(300)], { model: 'Contact', at: new Date(start + 11 * MINUTE).toISOString() });
    await run(db, ['delete', '--model', 'Contact', 'p1', 'p2', 'p3'], '', start + 90 * MINUTE);
    const server = await dashboardServer(db);
    const { page, errors } = await openPage(`${server.url}/#/dataset?integration=default&connection=default&model=Contact`);
    await page.locator('#chart .u-over').waitFor();

    // Four runs, four columns: the third updated 300 records and found 19,700 unchanged.
    const updated = await column(page, 2.5 / 4);
    expect(updated.updated / updated.height).toBeGreaterThan(0.4);
    expect(updated.unchanged).toBeGreaterThan(0);
    expect((await column(page, 0.5 / 4)).added / updated.height).toBeGreaterThan(0.8);
    expect((await column(page, 3.5 / 4)).deleted).toBeGreaterThan(10);
    // Between two runs nothing is drawn: no line joins one run to the next across the time between them.
    for (const edge of [1, 2, 3]) {
      const between = await column(page, edge / 4);
      expect([between.added, between.updated, between.deleted, between.unchanged], `between runs ${edge} and ${edge + 1}`).toEqual([0, 0, 0, 0]);
    }

    const over = (await page.locator('#chart .u-over').boundingBox())!;
    await page.mouse.move(over.x + over.width * (2.5 / 4), over.y + over.height / 2);
    const when = await page.evaluate((iso) => new Date(iso).toLocaleString(), new Date(start + 11 * MINUTE).toISOString());
    const legend = page.locator('#chart .u-legend .u-series');
    await expect.poll(() => legend.first().textContent()).toContain(`${when} · save`);
    expect(await legend.filter({ hasText: 'Updated' }).locator('.u-value').textContent()).toBe('300');
    expect(await legend.filter({ hasText: 'Unchanged' }).locator('.u-value').textContent()).toBe('19,700');

    // The scales' titles stand above the plot, clear of its tick values and of each other.
    const titles = await Promise.all(['#chart-changes-title', '#chart-unchanged-title'].map(async (id) => (await page.locator(id).boundingBox())!));
    for (const title of titles) expect(title.y + title.height).toBeLessThanOrEqual(over.y);
    expect(titles[0]!.x + titles[0]!.width).toBeLessThan(titles[1]!.x);
    expect(errors).toEqual([]);
  });

  it('after a commit reads only the dataset’s own figures, and its new runs and the stream only when the commit was this dataset’s', async () => {
    const db = `${tempDir()}/cache.db`;
    await seed(db, people(5), { model: 'Contact' });
    await seed(db, people(5), { model: 'Other' });
    const server = await dashboardServer(db);
    const { page, errors } = await openPage(`${server.url}/#/dataset?integration=default&connection=default&model=Contact`);
    await page.locator('#stream tbody tr').first().waitFor();
    await page.locator('#runs tbody tr').first().waitFor();
    await page.locator('#live:not(.offline)').waitFor();
    const requests: URL[] = [];
    page.on('request', (request) => requests.push(new URL(request.url())));
    const asked = (path: string) => requests.filter((url) => url.pathname === path);

    await seed(db, people(6), { model: 'Other' });
    await expect.poll(() => asked('/api/dataset').length, { timeout: 5000 }).toBe(1);
    await seed(db, [{ id: 'fresh' }], { model: 'Contact' });
    await expect.poll(() => page.locator('#stream tbody tr').first().getAttribute('data-id'), { timeout: 5000 }).toBe('fresh');
    await expect.poll(() => tableCells(page, '#runs').then((rows) => rows.length)).toBe(2);

    expect(asked('/api/dataset').length).toBe(2);
    expect(asked('/api/overview')).toEqual([]);
    expect(asked('/api/changes')).toHaveLength(1);
    // Only the runs after the newest the page had: Contact's first run, number 1.
    expect(asked('/api/runs').map((url) => url.searchParams.get('after'))).toEqual(['1']);
    expect(errors).toEqual([]);
  });
});
