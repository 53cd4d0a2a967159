// The dataset page of the dashboard shows the dataset's checkpoint, and follows it live: saved with
// a run, or written alone.
import { expect, it } from 'vitest';
import { browserSuite, dashboardServer, openPage, useBrowser } from './dashboard-helpers.js';
import { ndjson, rcache, tempDir } from './helpers.js';

async function run(db: string, args: string[], input = ''): Promise<string> {
  const result = await rcache(['--db', db, ...args], { input, env: { RCACHE_NOW: undefined } });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

const printed = async (db: string, model = 'Contact') => JSON.parse(await run(db, ['checkpoint', '--model', model]));

browserSuite('the checkpoint on the dashboard', () => {
  useBrowser();

  it("shows the dataset's checkpoint, version and time as rcache checkpoint prints them, and follows every write of it", async () => {
    const db = `${tempDir()}/cache.db`;
    const state = { after: 'p3', since: '2024-05-01T00:00:00Z', seen: [1, 2] };
    await run(db, ['save', '--model', 'Contact', '--checkpoint', JSON.stringify(state)], ndjson([{ id: 'a' }, { id: 'b' }]));
    await run(db, ['save', '--model', 'Plain'], ndjson([{ id: 'a' }]));
    const server = await dashboardServer(db);

    const api = await (await fetch(`${server.url}/api/dataset?integration=default&connection=default&model=Contact`)).json();
    expect(api.checkpoint).toEqual(await printed(db));

    const { page, errors } = await openPage(`${server.url}/#/dataset?integration=default&connection=default&model=Contact`);
    await page.locator('#checkpoint-version').waitFor();
    await page.locator('#live:not(.offline)').waitFor();
    const first = await printed(db);
    expect(await page.locator('#checkpoint-version').textContent()).toBe('1');
    expect(await page.locator('#checkpoint-updated time').getAttribute('datetime')).toBe(first.updated_at);
    expect(await page.locator('#checkpoint-tree').textContent()).toContain('"after": "p3"');
    expect(JSON.parse((await page.locator('#checkpoint-json').textContent())!)).toEqual(state);

    // Saved with a run, then written alone, then cleared: each shows without a reload.
    await run(db, ['save', '--model', 'Contact', '--checkpoint', '{"after":"p4"}', '--expect-version', '1'], ndjson([{ id: 'c' }]));
    await expect.poll(() => page.locator('#checkpoint-version').textContent(), { timeout: 5000 }).toBe('2');
    expect(JSON.parse((await page.locator('#checkpoint-json').textContent())!)).toEqual({ after: 'p4' });
    await run(db, ['checkpoint', '--model', 'Contact', '--set', '{"after":"p9"}']);
    await expect.poll(() => page.locator('#checkpoint-version').textContent(), { timeout: 5000 }).toBe('3');
    expect(JSON.parse((await page.locator('#checkpoint-json').textContent())!)).toEqual({ after: 'p9' });
    await run(db, ['checkpoint', '--model', 'Contact', '--clear']);
    await expect.poll(() => page.locator('#checkpoint-none').textContent(), { timeout: 5000 }).toContain('Cleared');
    expect(await page.locator('#checkpoint-version').textContent()).toBe('4');
    expect(await page.locator('#checkpoint-updated time').getAttribute('datetime')).toBe((await printed(db)).updated_at);

    await page.goto(`${server.url}/#/dataset?integration=default&connection=default&model=Plain`);
    await expect.poll(() => page.locator('#checkpoint-none').textContent()).toBe('None was ever saved.');
    expect(await page.locator('#checkpoint-version').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);
});
