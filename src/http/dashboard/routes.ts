import type { ServerResponse } from 'node:http';
import type { Cache } from '../../cache/cache.js';
import { VERSION } from '../../version.js';
import { HttpError, sendJson } from '../http.js';
import type { Route, Routes } from '../routes.js';
import { changes, dataset, events, overview, record, runs, sendText } from './api.js';
import { Assets, sendAsset } from './assets.js';
import { metricsText, RequestMetrics } from './metrics.js';

const METHODS = ['GET', 'HEAD'];

/**
 * No inline script or style, nothing from another origin. uPlot positions its elements through
 * the style object (CSSOM), which style-src does not govern, so no 'unsafe-inline' is needed.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface DashboardOptions {
  assets?: Assets;
  /** How many positions a page of the change stream filtered by action or time looks through at most. */
  span?: number;
  /** Where a live-updates stream that stopped on an error is logged. */
  log?: (line: string) => void;
}

function secured(res: ServerResponse): ServerResponse {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  return res;
}

/** rcache's version, and the number of the last run committed in the database (null before the first). */
async function health(cache: Cache): Promise<string> {
  const [last] = await cache.runs({ limit: 1, order: 'newest-first' });
  return JSON.stringify({ status: 'ok', version: VERSION, last_run_number: last?.number ?? null }) + '\n';
}

/** The dashboard's endpoints, all GET and HEAD, with the request metrics and the live streams they share. */
export function dashboardRoutes(options: DashboardOptions = {}): Required<Routes> {
  const assets = options.assets ?? new Assets();
  const requests = new RequestMetrics();
  const closing = new AbortController();
  const data = (respond: (cache: Cache, res: ServerResponse, params: URLSearchParams) => Promise<void>): Route => ({
    methods: METHODS,
    answer: async (cache, _req, url, res) => respond(cache, secured(res), url.searchParams),
  });
  const api = (answer: (cache: Cache, params: URLSearchParams) => Promise<string>) =>
    data(async (cache, res, params) => sendJson(res, 200, await answer(cache, params)));
  const paths: Record<string, Route> = {
    '/': {
      methods: METHODS,
      public: true,
      answer: (req, _url, res) => {
        if (assets.page === undefined) throw new HttpError(503, 'dashboard_not_built', 'the dashboard is not built into this package: run npm run build');
        sendAsset(req, secured(res), assets.page, 'no-cache');
      },
    },
    '/assets/*': {
      methods: METHODS,
      public: true,
      answer: (req, url, res) => {
        const file = assets.asset(url.pathname.slice('/assets/'.length));
        if (file === undefined) throw new HttpError(404, 'not_found', `no asset ${url.pathname}`);
        sendAsset(req, res, file, IMMUTABLE);
      },
    },
    '/api/overview': api(overview),
    '/api/dataset': api(dataset),
    '/api/runs': api(runs),
    '/api/changes': api((cache, params) => changes(cache, params, options.span)),
    '/api/record': api(record),
    '/api/events': { methods: METHODS, answer: (cache, req, _url, res) => events(cache, req, secured(res), closing.signal, options.log) },
    '/metrics': data(async (cache, res) => sendText(res, 'text/plain; version=0.0.4; charset=utf-8', await metricsText(cache, requests))),
    '/health': api(health),
  };
  return {
    paths,
    observe: (method, route, status, seconds) => requests.observe(method, route, status, seconds),
    close: () => closing.abort(),
  };
}
