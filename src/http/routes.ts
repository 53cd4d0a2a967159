import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cache } from '../cache/cache.js';
import { dashboardRoutes, type DashboardOptions } from './dashboard/routes.js';
import { readBody } from './http.js';
import { listRecords, pruneRecords } from './records-routes.js';

const MAX_BODY = 1024 * 1024;

/** A JSON body, sent with 200; or nothing, when the route has written the whole response itself (a stream, a file). */
type Answer = Promise<string | void> | string | void;

/** One endpoint: the methods it answers and how. */
export type Route =
  | { methods: string[]; public?: false; answer: (cache: Cache, req: IncomingMessage, url: URL, res: ServerResponse) => Answer }
  /** Answered without the secret key or the database: it holds no data (the dashboard's page and scripts). */
  | { methods: string[]; public: true; answer: (req: IncomingMessage, url: URL, res: ServerResponse) => Answer };

/** What a server answers. */
export interface Routes {
  /** Endpoints by path; a path ending in `/*` answers every path below it. */
  paths: Record<string, Route>;
  /** Told of every request once its response has closed; `route` is the matched path, or `other`. */
  observe?(method: string, route: string, status: number, seconds: number): void;
  /** Ends long-lived responses (live updates), so that the server can stop. */
  close?(): void;
}

/** Nango's records API. */
export const RECORDS_ROUTES: Record<string, Route> = {
  '/records': {
    methods: ['GET', 'HEAD'],
    answer: (cache, req, url) => listRecords(cache, req, url.searchParams),
  },
  '/records/prune': {
    methods: ['PATCH'],
    answer: async (cache, req, url) => pruneRecords(cache, req, url.searchParams, await readBody(req, MAX_BODY)),
  },
};

/** Everything `rcache serve` answers: Nango's records API and the dashboard. */
export function serveRoutes(options: DashboardOptions = {}): Routes {
  const dashboard = dashboardRoutes(options);
  return { ...dashboard, paths: { ...RECORDS_ROUTES, ...dashboard.paths } };
}
