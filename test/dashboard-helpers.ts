import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { CHROMIUM, chromiumInstalled, launchChromium } from '../scripts/chromium.mjs';
import { startDashboardServer, type DashboardServer } from '../src/http/dashboard/server.js';

const installed = chromiumInstalled() as boolean;

/**
 * A suite that needs the browser: it fails in CI without Chromium, and elsewhere is skipped with
 * one line saying why.
 */
export function browserSuite(name: string, body: () => void): void {
  if (!installed) {
    if (process.env.CI === 'true') {
      describe(name, () => it('has Chromium to drive', () => {
        throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
      }));
      return;
    }
    console.log(`${name}: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;
const servers: DashboardServer[] = [];
const pages: Page[] = [];

/** Registers the browser's start and stop, and the closing of each test's servers and pages. */
export function useBrowser(): void {
  beforeAll(async () => {
    browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
  });
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
}

export async function dashboardServer(db: string, secretKey?: string, options: { scanWindow?: number } = {}): Promise<DashboardServer> {
  const server = await startDashboardServer({ db, secretKey, ...options });
  servers.push(server);
  return server;
}

export interface OpenPage {
  page: Page;
  /** Console errors and uncaught exceptions so far, CSP violations included. */
  errors: string[];
}

export async function openPage(url: string, viewport?: { width: number; height: number }): Promise<OpenPage> {
  const page = await browser!.context.newPage();
  pages.push(page);
  if (viewport) await page.setViewportSize(viewport);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  return { page, errors };
}

/** The text of every cell of a table's body, row by row. */
export function tableCells(page: Page, selector: string): Promise<string[][]> {
  return page.locator(`${selector} tbody tr`).evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')));
}
