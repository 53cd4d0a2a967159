import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { PACKAGE_DIR } from '../../version.js';

/** What the front-end build writes beside the bundle: the page and each hashed asset. */
export interface Manifest {
  index: string;
  assets: Record<string, { type: string; gzip?: string }>;
}

interface Asset {
  type: string;
  body: Buffer;
  gzip?: Buffer;
}

/** The built front-end, from the package's dist/web (the same place from src/ and dist/). */
export const WEB_DIR = join(PACKAGE_DIR, 'dist', 'web');

/** The dashboard's files, read once: the page, and assets whose names change with their content. */
export class Assets {
  readonly page: Asset | undefined;
  private readonly files = new Map<string, Asset>();

  constructor(dir = WEB_DIR) {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    } catch {
      return;
    }
    const read = (name: string) => readFileSync(join(dir, name));
    this.page = { type: 'text/html; charset=utf-8', body: read(manifest.index) };
    for (const [name, { type, gzip }] of Object.entries(manifest.assets)) {
      this.files.set(name, { type, body: read(name), gzip: gzip === undefined ? undefined : read(gzip) });
    }
  }

  asset(name: string): Asset | undefined {
    return this.files.get(name);
  }
}

export function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset, cache: string): void {
  const gzip = asset.gzip !== undefined && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? asset.gzip! : asset.body;
  res.writeHead(200, {
    'Content-Type': asset.type,
    'Content-Length': String(body.length),
    'Cache-Control': cache,
    Vary: 'Accept-Encoding',
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
