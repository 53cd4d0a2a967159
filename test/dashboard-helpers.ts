import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { CHROMIUM, chromiumInstalled, launchChromium } from '../scripts/chromium.mjs';
import { openCache } from '../src/cache/cache.js';
import { keyDigest } from '../src/http/auth.js';
import { ServedDatabase } from '../src/http/database.js';
import { baseUrl } from '../src/http/http.js';
import { serveRoutes } from '../src/http/routes.js';
import { startServer } from '../src/http/server.js';
import { within } from './harness.js';
import { killServe, startServe } from './serve-process.js';

const installed = chromiumInstalled();

/**
 * A suite that needs the browser: it fails in CI without Chromium, and elsewhere is skipped with
 * one line saying why.
 */
export function browserSuite(name: string, body: () => void): void {
  if (!installed) {
    if (process.env.CI === 'true') {
      describe(name, () =>
        it('has Chromium to drive', () => {
          throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
        }),
      );
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

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Registers the browser's start and stop, and the closing of each test's pages. */
export function useBrowser(): void {
  beforeAll(async () => {
    browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
  });
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
}

export interface DashboardServer {
  url: string;
  /** Stops the server as SIGTERM does, failing if live connections hold it up. */
  close(): Promise<void>;
}

const STOP_MS = 10_000;

/**
 * The built `rcache serve` on `db`. With `span` (how far a filtered page of the change stream
 * looks), the same routes served in this process instead, since the command has no option for it.
 */
export async function dashboardServer(db: string, secretKey?: string, options: { span?: number } = {}): Promise<DashboardServer> {
  const server = options.span === undefined ? await serveProcess(db, secretKey) : await serveInProcess(db, secretKey, options.span);
  servers.push(server);
  return server;
}

async function serveProcess(db: string, secretKey: string | undefined): Promise<DashboardServer> {
  const server = await startServe(db, [], { RCACHE_SECRET_KEY: secretKey });
  return {
    url: server.url,
    close: async () => {
      server.child.kill('SIGTERM');
      const stopped = await within(server.exited, STOP_MS);
      if (stopped === undefined) {
        await killServe(server);
        throw new Error(`rcache serve did not stop within ${STOP_MS} ms of SIGTERM: ${server.stderr()}`);
      }
      if (stopped.value !== 0) throw new Error(`rcache serve exited with ${String(stopped.value)}: ${server.stderr()}`);
    },
  };
}

async function serveInProcess(db: string, secretKey: string | undefined, span: number): Promise<DashboardServer> {
  const cache = await openCache(db, { readonly: true });
  const secret = secretKey === undefined ? undefined : keyDigest(secretKey);
  const database = await ServedDatabase.of(cache, () => openCache(db, { readonly: true }));
  const server = await startServer({ database, host: '127.0.0.1', port: 0, secret, log: () => {}, routes: serveRoutes({ span }) });
  return {
    url: baseUrl(server.address.address, server.address.port),
    close: async () => {
      await server.stop();
      await database.close();
    },
  };
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
