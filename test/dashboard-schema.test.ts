// A dataset's page shows the JSON Schema stored for it, in Chromium.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { browserSuite, dashboardServer, openPage, useBrowser } from './dashboard-helpers.js';
import { ndjson, rcache, tempDir } from './helpers.js';

const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['id', 'email'],
  properties: { id: { type: 'string' }, email: { type: 'string', format: 'email' }, tags: { type: 'array', items: { type: 'string' } } },
};

async function run(db: string, args: string[], input = ''): Promise<string> {
  const result = await rcache(['--db', db, ...args], { input });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

const PAGE = '/#/dataset?integration=default&connection=default&model=Contact';

browserSuite('the schema on the dashboard', () => {
  useBrowser();

  it("shows the dataset's stored schema as rcache schema prints it, and follows its removal made alone", async () => {
    const dir = tempDir();
    const db = join(dir, 'cache.db');
    const file = join(dir, 'contact.schema.json');
    writeFileSync(file, JSON.stringify(SCHEMA));
    await run(db, ['schema', '--model', 'Contact', '--set', file]);
    await run(db, ['save', '--model', 'Contact'], ndjson([{ id: 'a', email: 'a@example.com' }]));
    const printed = await run(db, ['schema', '--model', 'Contact']);

    const server = await dashboardServer(db);
    const { page, errors } = await openPage(`${server.url}${PAGE}`);
    await page.locator('#schema').waitFor();
    expect(`${await page.locator('#schema-raw').textContent()}\n`).toBe(printed);
    const tree = (await page.locator('#schema').textContent())!;
    for (const text of ['"required"', '"email"', '"format"']) expect(tree).toContain(text);
    // Only the first level is open, so that a long schema does not push the stream down; a click opens the next.
    const properties = page.locator('#schema > details > ul > li', { hasText: '"properties"' }).locator('details').first();
    expect(await page.locator('#schema > details').getAttribute('open')).not.toBeNull();
    expect(await properties.getAttribute('open')).toBeNull();
    expect(await page.locator('#schema .json-key', { hasText: '"tags"' }).isVisible()).toBe(false);
    await properties.locator('summary').first().click();
    expect(await properties.getAttribute('open')).not.toBeNull();
    expect(await page.locator('#schema .json-key', { hasText: '"tags"' }).isVisible()).toBe(true);

    // Cleared alone, with no run committed: the page is redrawn all the same.
    await page.locator('#live:not(.offline)').waitFor();
    await run(db, ['schema', '--model', 'Contact', '--clear']);
    await expect.poll(() => page.locator('#schema-none').isVisible(), { timeout: 5000 }).toBe(true);
    expect(await page.locator('#schema').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('says so for a dataset without one, and shows one kept for a dataset with no records yet', async () => {
    const dir = tempDir();
    const db = join(dir, 'cache.db');
    await run(db, ['save', '--model', 'Deal'], ndjson([{ id: 'd' }]));
    const file = join(dir, 'contact.schema.json');
    writeFileSync(file, JSON.stringify(SCHEMA));
    await run(db, ['schema', '--model', 'Contact', '--set', file]);

    const server = await dashboardServer(db);
    const deal = await openPage(`${server.url}/#/dataset?integration=default&connection=default&model=Deal`);
    await deal.page.locator('#schema-none').waitFor();
    expect(await deal.page.locator('#schema-none').textContent()).toBe('No schema is stored for this dataset: its records are not checked.');
    const contact = await openPage(`${server.url}${PAGE}`);
    await contact.page.locator('#schema').waitFor();
    expect(JSON.parse((await contact.page.locator('#schema-raw').textContent())!)).toEqual(SCHEMA);
    expect([...deal.errors, ...contact.errors]).toEqual([]);
  });
});
