import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openCache } from '../../cache/cache.js';
import { UsageError } from '../../errors.js';
import { baseUrl, HttpError, isLoopback, sendJson } from '../../io/http.js';
import { createDashboard, DASHBOARD_METHODS, type Dashboard } from './routes.js';
import { SqliteSource } from './sqlite-source.js';

export interface DashboardServerOptions {
  db: string;
  host?: string;
  port?: number;
  secretKey?: string;
  scanWindow?: number;
}

export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

function authorized(req: IncomingMessage, secret: Buffer | undefined): boolean {
  if (secret === undefined) return true;
  const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), secret);
}

async function answer(dashboard: Dashboard, secret: Buffer | undefined, req: IncomingMessage, res: ServerResponse): Promise<string> {
  const url = new URL(req.url ?? '/', 'http://rcache');
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
  const endpoint = dashboard.match(path);
  if (endpoint === undefined) throw new HttpError(404, 'not_found', `no endpoint ${url.pathname}`);
  if (!DASHBOARD_METHODS.includes(req.method ?? 'GET')) throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}`);
  if (!endpoint.public && !authorized(req, secret)) {
    throw new HttpError(401, 'invalid_secret_key', 'Authentication failed. The provided secret key is invalid.', undefined, { 'WWW-Authenticate': 'Bearer realm="rcache"' });
  }
  await endpoint.handle(req, res, url);
  return endpoint.route;
}

/** The dashboard alone on its own HTTP server, with the key and loopback rules of `rcache serve`. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  if (options.secretKey === undefined && !isLoopback(host)) throw new UsageError(`refusing to listen on ${host} without a secret key`);
  const secret = options.secretKey === undefined ? undefined : digest(options.secretKey);
  const cache = openCache(options.db, { busyTimeout: 1000 });
  const dashboard = createDashboard(new SqliteSource(cache), { scanWindow: options.scanWindow });
  const server = createServer((req, res) => {
    const started = performance.now();
    answer(dashboard, secret, req, res).then(
      (route) => dashboard.observe(req.method ?? 'GET', route, res.statusCode, (performance.now() - started) / 1000),
      (error: unknown) => {
        const refusal = error instanceof HttpError ? error : new HttpError(500, 'server_error', error instanceof Error ? error.message : String(error));
        dashboard.observe(req.method ?? 'GET', 'other', refusal.status, (performance.now() - started) / 1000);
        if (res.headersSent) res.end();
        else sendJson(res, refusal.status, refusal.body, refusal.headers);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: baseUrl(address.address, address.port),
    close: async () => {
      dashboard.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      cache.close();
    },
  };
}
