// Makes the README's dashboard screenshots (docs/dashboard-*.png) from a demo database built with
// the fixtures, by the same browser tooling as the tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumInstalled, CHROMIUM, launchChromium } from './chromium.mjs';
import { startServe } from './serve.mjs';

const root = join(import.meta.dirname, '..');
if (!chromiumInstalled()) {
  console.error(`screenshots: no Chromium at ${CHROMIUM} (apt-get install chromium, or set RCACHE_CHROMIUM)`);
  process.exit(1);
}

// The database is named relative to its folder, so that the page shows a plain `demo.db`.
const dir = mkdtempSync(join(tmpdir(), 'rcache-screenshots-'));
const db = 'demo.db';
const day = 24 * 60 * 60 * 1000;
const start = Date.now() - 6 * day;

function rcache(args, input, at) {
  execFileSync(process.execPath, [join(root, 'bin', 'rcache.js'), ...args, '--db', db], {
    cwd: dir,
    input,
    env: { ...process.env, RCACHE_NOW: new Date(at).toISOString() },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
}

const contacts = readFileSync(join(root, 'fixtures', 'contacts.ndjson'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));
// Saves in time order: a store never stamps a change earlier than one it stamped before.
rcache(
  ['save', '--model', 'User', '--integration', 'github', '--connection', 'initech'],
  contacts
    .slice(0, 30)
    .map((c) => JSON.stringify({ id: c.id, login: c.email }))
    .join('\n'),
  Date.now() - 70 * day,
);
// Twelve syncs over six days: the contacts change a little each time, a few disappear.
for (let run = 0; run < 12; run++) {
  const at = start + run * 12 * 60 * 60 * 1000;
  const kept = contacts.filter((_, i) => i % 40 !== run % 40 || run === 0);
  const lines = kept.map((contact, i) => JSON.stringify(i % 9 === run % 9 ? { ...contact, version: run } : contact)).join('\n');
  rcache(['save', '--model', 'Contact', '--integration', 'hubspot', '--connection', 'acme-prod', '--full-refresh'], lines, at);
  rcache(
    ['save', '--model', 'Deal', '--integration', 'hubspot', '--connection', 'acme-prod'],
    kept
      .slice(0, 40 + run * 5)
      .map((c) => JSON.stringify({ id: `deal-${c.id}`, stage: run % 3 ? 'open' : 'won', amount: 1000 + run }))
      .join('\n'),
    at + 60_000,
  );
}
rcache(
  ['save', '--model', 'Ticket', '--integration', 'zendesk', '--connection', 'globex'],
  contacts
    .slice(0, 120)
    .map((c) => JSON.stringify({ id: `t-${c.id}`, subject: `Question from ${c.first_name}` }))
    .join('\n'),
  Date.now() - 40 * 60 * 1000,
);
rcache(['prune', '--payload-ttl', '30d', '--dataset-ttl', '365d'], '', Date.now());

const server = await startServe(db, { cwd: dir });
const browser = await launchChromium({ viewport: { width: 1280, height: 860 }, colorScheme: 'light', deviceScaleFactor: 1 });
try {
  const page = await browser.context.newPage();
  const transfers = [];
  page.on('requestfinished', async (request) => transfers.push({ url: request.url(), ...(await request.sizes()) }));
  await page.goto(`${server.url}/`);
  await page.locator('#datasets tbody tr').first().waitFor();
  await page.waitForTimeout(1000);
  const sent = transfers.reduce((sum, sizes) => sum + sizes.responseHeadersSize + sizes.responseBodySize, 0);
  console.log(`first page: ${transfers.length} requests, ${(sent / 1024).toFixed(1)} KiB transferred (headers and compressed bodies)`);
  await page.screenshot({ path: join(root, 'docs', 'dashboard-overview.png') });
  await page.goto(`${server.url}/#/dataset?integration=hubspot&connection=acme-prod&model=Contact`);
  await page.locator('#stream tbody tr').first().waitFor();
  await page.locator('#chart .u-over').waitFor();
  await page.locator('#stream .record-id').first().click();
  await page.locator('#record-payload').waitFor();
  await page.setViewportSize({ width: 1280, height: 1200 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(root, 'docs', 'dashboard-dataset.png') });
  console.log('wrote docs/dashboard-overview.png and docs/dashboard-dataset.png');
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
