// Headless Chromium for the dashboard's browser tests and screenshots: Debian's package, driven
// by playwright-core, in a fresh profile that is removed when the browser closes.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.RCACHE_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumInstalled() {
  return existsSync(CHROMIUM);
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A browser context ({ context, close }); `options` go to the context (viewport, colour scheme). */
export async function launchChromium(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'rcache-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, ...options });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
