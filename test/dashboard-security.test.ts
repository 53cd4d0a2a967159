import { expect, it } from 'vitest';
import { browserSuite, dashboardServer, openPage, tableCells, useBrowser } from './dashboard-helpers.js';
import { lines, ndjson, rcache, tempDir, seed } from './helpers.js';
import { parsePrometheus, sampleSum } from './prometheus.js';

async function run(db: string, args: string[], input = ''): Promise<string> {
  const result = await rcache(['--db', db, ...args], { input, env: { RCACHE_NOW: undefined } });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

const XSS_INTEGRATION = '<img src=x onerror="window.__xss=1">';
const XSS_MODEL = '"><script>window.__xss=2</script>';
const XSS_ID = '<script>window.__xss=3</script>';

browserSuite('dashboard safety, keys and metrics', () => {
  useBrowser();

  it('shows hostile ids, names and payloads as text and runs none of them', async () => {
    const db = `${tempDir()}/cache.db`;
    const payload = { id: XSS_ID, name: '"><img src=x onerror="window.__xss=4">', note: '<svg onload="window.__xss=5"></svg>' };
    await run(db, ['save', '--integration', XSS_INTEGRATION, '--model', XSS_MODEL], ndjson([payload, { id: 'plain', name: '<b>bold</b>' }]));
    const server = await dashboardServer(db);
    const { page, errors } = await openPage(`${server.url}/`);
    await page.getByRole('link', { name: XSS_MODEL, exact: true }).click();
    await page.locator('#stream tbody tr').first().waitFor();
    await page.getByRole('link', { name: XSS_ID, exact: true }).click();
    await page.locator('#record-payload').waitFor();

    expect(await page.locator('#record-id').textContent()).toBe(XSS_ID);
    expect(await page.locator('h1').textContent()).toContain(XSS_INTEGRATION);
    expect(await page.locator('#record-payload').textContent()).toContain(JSON.stringify(payload.name));
    expect(await page.locator('#stream').textContent()).toContain('<b>bold</b>');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('main img, main script, main svg, main b').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('sends a Content-Security-Policy that refuses inline script, and the page keeps to it', async () => {
    const db = `${tempDir()}/cache.db`;
    await seed(db, [{ id: 1 }], { model: 'Contact' });
    const server = await dashboardServer(db);
    const response = await fetch(`${server.url}/`);
    const policy = response.headers.get('content-security-policy')!;
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toMatch(/https?:/);
    const page = await response.text();
    expect(page).not.toMatch(/<script(?![^>]*\bsrc="\/assets\/)/);
    expect(page).not.toMatch(/\sstyle=|\son[a-z]+=|https?:\/\//);

    const { page: browser, errors } = await openPage(`${server.url}/#/dataset?integration=default&connection=default&model=Contact`);
    await browser.locator('#chart .u-over').waitFor();
    expect(errors).toEqual([]);
    await browser.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inline = 1';
      document.body.append(script);
    });
    expect(await browser.evaluate(() => (window as unknown as { __inline?: number }).__inline)).toBeUndefined();
    expect(errors.join('\n')).toContain('Content Security Policy');
  });

  it('asks for the key, asks again after a wrong one, and keeps the right one for the tab', async () => {
    const db = `${tempDir()}/cache.db`;
    await seed(db, [{ id: 1 }, { id: 2 }], { model: 'Contact' });
    const server = await dashboardServer(db, 'open-sesame');
    for (const path of ['/api/overview', '/api/events', '/metrics', '/health', '/api/changes?integration=default&connection=default&model=Contact']) {
      expect((await fetch(server.url + path)).status, path).toBe(401);
      expect((await fetch(server.url + path, { headers: { Authorization: 'Bearer wrong' } })).status, path).toBe(401);
    }
    expect((await fetch(`${server.url}/health`, { headers: { Authorization: 'Bearer open-sesame' } })).status).toBe(200);
    expect((await fetch(`${server.url}/`)).status).toBe(200);

    const { page } = await openPage(`${server.url}/`);
    const dialog = page.locator('#key-dialog');
    await expect.poll(() => dialog.getAttribute('open')).toBe('');
    await expect.poll(() => page.locator('#key-error').isHidden()).toBe(true);
    await dialog.locator('input').fill('wrong');
    await dialog.locator('input').press('Enter');
    await expect.poll(() => page.locator('#key-error').isVisible()).toBe(true);
    expect(await dialog.getAttribute('open')).toBe('');
    await dialog.locator('input').fill('open-sesame');
    await dialog.getByRole('button', { name: 'Open' }).click();
    await page.locator('#datasets tbody tr').first().waitFor();
    expect(await dialog.getAttribute('open')).toBeNull();
    expect((await tableCells(page, '#datasets'))[0]![3]).toBe('2');

    await page.reload();
    await page.locator('#datasets tbody tr').first().waitFor();
    expect(await dialog.getAttribute('open')).toBeNull();
  });

  it('answers /metrics in Prometheus text format with the counts of stats --json', async () => {
    const db = `${tempDir()}/cache.db`;
    const odd = 'we"ird\\model\nname';
    await seed(db, [{ id: 1 }, { id: 2 }, { id: 3 }], { model: 'Contact' });
    await seed(db, [{ id: 1 }, { id: 2, x: 1 }], { model: 'Contact' });
    await run(db, ['delete', '--model', 'Contact', '3']);
    await run(db, ['save', '--model', odd, '--skip-invalid'], '{"id": 1}\nnot json\n');
    const cursor = lines(await run(db, ['records', '--model', 'Contact', '--limit', '1']))[0]!._nango_metadata.cursor;
    await run(db, ['prune', '--model', 'Contact', '--until-cursor', cursor]);
    const stats = JSON.parse(await run(db, ['stats', '--json'])).datasets as Record<string, any>[];
    const runs = JSON.parse(await run(db, ['stats', '--json', '--runs'])).runs as Record<string, any>[];

    const server = await dashboardServer(db, 'k');
    const auth = { headers: { Authorization: 'Bearer k' } };
    for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/api/overview`, auth)).status).toBe(200);
    const response = await fetch(`${server.url}/metrics`, auth);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheus(await response.text());
    const value = (name: string, labels: Record<string, string>) => sampleSum(samples, name, labels);

    expect(value('rcache_datasets', {})).toBe(stats.length);
    for (const dataset of stats) {
      const names = { integration: dataset.integration, connection: dataset.connection, model: dataset.model };
      for (const state of ['live', 'deleted', 'pruned']) expect(value('rcache_records', { ...names, state }), `${dataset.model} ${state}`).toBe(dataset[state]);
      expect(value('rcache_payload_bytes', names)).toBe(dataset.bytes);
    }
    expect(stats.map((dataset) => dataset.model)).toContain(odd);
    for (const kind of new Set(runs.map((r) => r.kind))) expect(value('rcache_runs_total', { kind }), kind).toBe(runs.filter((r) => r.kind === kind).length);
    expect(value('rcache_runs_total', { kind: 'save', outcome: 'rejected' })).toBe(1);
    expect(value('rcache_runs_total', { kind: 'prune', outcome: 'changed' })).toBe(1);
    expect(value('rcache_http_requests_total', { route: '/api/overview', status: '200' })).toBe(3);
    expect(value('rcache_http_request_duration_seconds_count', { route: '/api/overview' })).toBe(3);
    expect(value('rcache_http_request_duration_seconds_bucket', { route: '/api/overview', le: '+Inf' })).toBe(3);
  });

  it('fits a phone-width window, follows a dark system theme, and works from the keyboard', async () => {
    const db = `${tempDir()}/cache.db`;
    await run(db, ['save', '--model', 'Contact', '--integration', 'a-rather-long-integration-name'], ndjson([{ id: 'x'.repeat(200), note: 'y'.repeat(500) }]));
    const server = await dashboardServer(db);
    const { page, errors } = await openPage(`${server.url}/`, { width: 390, height: 800 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.locator('#datasets tbody tr').first().waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    expect(r! + g! + b!).toBeLessThan(150);

    for (let i = 0; i < 30 && (await page.evaluate(() => document.activeElement?.textContent)) !== 'Contact'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#stream tbody tr').first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
  });
});
