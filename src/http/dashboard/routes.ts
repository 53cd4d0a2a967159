import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendJson } from '../../io/http.js';
import { changes, events, overview, record, runs, sendText } from './api.js';
import { Assets, sendAsset } from './assets.js';
import { metricsText, RequestMetrics } from './metrics.js';
import type { DashboardSource } from './source.js';

/** One thing the dashboard answers; every one of them is GET (and HEAD) only. */
export interface Endpoint {
  /** The route's name in logs and metrics: a path, never a raw URL. */
  route: string;
  /** Served without the key: the page and its scripts hold no data, and a browser cannot send a key to load them. */
  public: boolean;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> | void;
}

export const DASHBOARD_METHODS = ['GET', 'HEAD'];

/**
 * No inline script or style, nothing from another origin. uPlot positions its elements through
 * the style object (CSSOM), which style-src does not govern, so no 'unsafe-inline' is needed.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface Dashboard {
  /** The endpoint for a path (without a trailing slash), or undefined when it is not the dashboard's. */
  match(path: string): Endpoint | undefined;
  /** The server calls this once per answered request, for the request metrics. */
  observe(method: string, route: string, status: number, seconds: number): void;
  /** Ends the live-update streams, so that the server can stop. */
  close(): void;
}

export interface DashboardOptions {
  assets?: Assets;
  /** How many positions a filtered page of the change stream searches at most. */
  scanWindow?: number;
}

export function createDashboard(source: DashboardSource, options: DashboardOptions = {}): Dashboard {
  const assets = options.assets ?? new Assets();
  const requests = new RequestMetrics();
  const closing = new AbortController();
  const data = (route: string, handle: Endpoint['handle']): Endpoint => ({
    route,
    public: false,
    handle: (req, res, url) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      return handle(req, res, url);
    },
  });
  const api = (answer: (source: DashboardSource, params: URLSearchParams) => Promise<string>): Endpoint['handle'] =>
    async (req, res, url) => sendJson(res, 200, await answer(source, url.searchParams));
  const endpoints = new Map<string, Endpoint>(
    Object.entries({
      '/api/overview': api(overview),
      '/api/runs': api(runs),
      '/api/changes': api((source, params) => changes(source, params, options.scanWindow)),
      '/api/record': api(record),
      '/api/events': (req, res) => events(source, req, res, closing.signal),
      '/metrics': async (req, res) => sendText(res, 'text/plain; version=0.0.4; charset=utf-8', await metricsText(source, requests)),
      '/health': api(async () => JSON.stringify({ status: 'ok', version: await source.version() }) + '\n'),
    } satisfies Record<string, Endpoint['handle']>).map(([route, handle]) => [route, data(route, handle)]),
  );
  const page: Endpoint = {
    route: '/',
    public: true,
    handle: (req, res) => {
      if (assets.page === undefined) throw new HttpError(503, 'dashboard_not_built', 'the dashboard is not built into this package: run npm run build');
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      sendAsset(req, res, assets.page, 'no-cache');
    },
  };
  const asset = (name: string): Endpoint | undefined => {
    const file = assets.asset(name);
    if (file === undefined) return undefined;
    return { route: '/assets', public: true, handle: (req, res) => sendAsset(req, res, file, IMMUTABLE) };
  };
  return {
    match: (path) => (path === '/' ? page : path.startsWith('/assets/') ? asset(path.slice('/assets/'.length)) : endpoints.get(path)),
    observe: (method, route, status, seconds) => requests.observe(method, route, status, seconds),
    close: () => closing.abort(),
  };
}
