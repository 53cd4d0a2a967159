import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RcacheError, StoreError } from '../errors.js';
import { authorize, checkHost } from './auth.js';
import type { ServedDatabase } from './database.js';
import { HttpError, refuseMalformed, sendJson } from './http.js';
import { serveRoutes, type Route, type Routes } from './routes.js';

const MAX_URL = 16 * 1024;
const SHUTDOWN_GRACE = 5000;

export interface ServerOptions {
  database: ServedDatabase;
  host: string;
  port: number;
  /** The secret key's digest (see keyDigest); without one, every request addressed to this machine is answered. */
  secret: Buffer | undefined;
  /** Where one line per request, and internal errors, are logged. */
  log: (line: string) => void;
  /** Log the stack of internal errors too. */
  debug?: boolean;
  /** What is answered; everything `rcache serve` answers without it. */
  routes?: Routes;
}

/** What every request needs: the database, the key's digest, and whether the server is stopping. */
interface Served extends ServerOptions {
  routes: Routes;
  stopping: boolean;
}

/** The route for a path, and its name for logs and metrics: the path itself, or the `/*` pattern that covers it. */
function routeOf(routes: Routes, path: string): [string, Route] | undefined {
  if (Object.hasOwn(routes.paths, path)) return [path, routes.paths[path]!];
  const below = `${path.slice(0, path.lastIndexOf('/'))}/*`;
  return path !== '/' && Object.hasOwn(routes.paths, below) ? [below, routes.paths[below]!] : undefined;
}

/** Answers one request; says which route it matched once known (for the request metrics). */
async function answer(served: Served, req: IncomingMessage, res: ServerResponse, matched: (route: string) => void): Promise<string | void> {
  const target = req.url ?? '/';
  if (target.length > MAX_URL) throw new HttpError(414, 'uri_too_long', `the request URL is longer than ${MAX_URL} characters`);
  const url = URL.canParse(target, 'http://rcache') ? new URL(target, 'http://rcache') : undefined;
  if (url === undefined) throw new HttpError(400, 'invalid_request', 'the request URL is malformed');
  checkHost(req, served.secret);
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
  const found = routeOf(served.routes, path);
  const method = req.method ?? 'GET';
  if (found === undefined) {
    throw new HttpError(404, 'not_found', `no endpoint ${method} ${url.pathname}: rcache serves GET /records, PATCH /records/prune and the dashboard at GET /`);
  }
  const [name, route] = found;
  matched(name);
  if (!route.methods.includes(method)) {
    throw new HttpError(405, 'method_not_allowed', `${method} is not allowed on ${path}: use ${route.methods[0]}`, undefined, {
      Allow: route.methods.join(', '),
    });
  }
  if (route.public) return route.answer(req, url, res);
  authorize(req, served.secret);
  const lease = await served.database.acquire();
  try {
    return await route.answer(lease.cache, req, url, res);
  } finally {
    lease.release();
  }
}

/** An error as an answer; anything unexpected is logged on one line and answered with a bare 500. */
function failure(served: Served, req: IncomingMessage, error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof StoreError && error.kind === 'busy') {
    return new HttpError(503, 'database_busy', 'the database is locked by a writer; retry shortly', undefined, { 'Retry-After': '1' });
  }
  if (error instanceof StoreError && (error.kind === 'cannot-connect' || error.kind === 'missing')) {
    return new HttpError(503, 'database_unavailable', error.message);
  }
  const message = error instanceof Error ? error.message : String(error);
  served.log(`rcache serve: internal error on ${req.method} ${logged(req)}: ${message}`);
  if (served.debug && error instanceof Error) served.log(`${error.stack}`);
  return new HttpError(500, 'server_error', 'internal error; see the rcache serve log');
}

/** The request's path for a log line: no query (it may name ids), and never a screenful. */
function logged(req: IncomingMessage): string {
  const path = (req.url ?? '/').split('?')[0]!;
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

function handle(served: Served, req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  let route = 'other';
  // Every answer, errors included: a browser must never read a JSON error or a record as a page or a script.
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.once('close', () => {
    const seconds = (performance.now() - started) / 1000;
    const aborted = res.writableFinished ? '' : ' (aborted)';
    served.log(`${new Date().toISOString()} ${req.method} ${logged(req)} ${res.statusCode} ${Math.round(seconds * 1000)}ms${aborted}`);
    served.routes.observe?.(req.method ?? 'GET', route, res.statusCode, seconds);
  });
  const send = (status: number, body: string, headers: Record<string, string> = {}) =>
    sendJson(res, status, body, served.stopping ? { ...headers, Connection: 'close' } : headers);
  answer(served, req, res, (name) => (route = name)).then(
    (body) => {
      if (typeof body === 'string') send(200, body);
    },
    (error: unknown) => {
      const refusal = failure(served, req, error);
      // A route that failed part way through writing its own response can only end it.
      if (res.headersSent) res.end();
      else send(refusal.status, refusal.body, refusal.headers);
    },
  );
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (error.code === 'EADDRINUSE')
        reject(new RcacheError(`cannot listen on ${where}: the port is in use (choose another port, or port 0 for any free one)`));
      else if (error.code === 'EACCES') reject(new RcacheError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
        reject(new RcacheError(`cannot listen on ${where}: ${host} is not an address of this machine`));
      else reject(new RcacheError(`cannot listen on ${where}: ${error.message}`));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve(server.address() as AddressInfo);
    });
  });
}

export interface RunningServer {
  address: AddressInfo;
  /** Stops taking requests, lets those in progress finish (up to a grace period), then resolves. */
  stop(): Promise<void>;
  /** Ends every connection at once. */
  abort(): void;
}

/** Answers HTTP requests from the cache until stopped. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const served: Served = { ...options, routes: options.routes ?? serveRoutes({ log: options.log }), stopping: false };
  const server = createServer({ maxHeaderSize: 2 * MAX_URL }, (req, res) => handle(served, req, res));
  server.on('clientError', refuseMalformed);
  // Once stopping, a connection whose answer was still going out would otherwise stay open for
  // the keep-alive timeout (5 s) after it: it is closed as soon as it is idle.
  server.on('request', (_req, res) => res.once('finish', () => served.stopping && setImmediate(() => server.closeIdleConnections())));
  const address = await listen(server, options.port, options.host);
  return {
    address,
    abort: () => server.closeAllConnections(),
    stop: async () => {
      served.stopping = true;
      served.routes.close?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE).unref();
      await closed;
      clearTimeout(force);
    },
  };
}
