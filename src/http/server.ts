import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cache } from '../cache/cache.js';
import { RcacheError, StoreError } from '../errors.js';
import { authorize } from './auth.js';
import { HttpError, sendJson } from './http.js';
import { RECORDS_ROUTES, type Route } from './routes.js';

const MAX_URL = 16 * 1024;
const SHUTDOWN_GRACE = 5000;

export interface ServerOptions {
  cache: Cache;
  host: string;
  port: number;
  /** The secret key's digest (see keyDigest); without one, every request is answered. */
  secret: Buffer | undefined;
  /** Where one line per request, and internal errors, are logged. */
  log: (line: string) => void;
  /** Log the stack of internal errors too. */
  debug?: boolean;
  /** Endpoints by path; Nango's records API without it. */
  routes?: Record<string, Route>;
}

/** What every request needs: the open cache, the key's digest, and whether the server is stopping. */
interface Served extends ServerOptions {
  routes: Record<string, Route>;
  stopping: boolean;
}

async function answer(served: Served, req: IncomingMessage): Promise<string> {
  const target = req.url ?? '/';
  if (target.length > MAX_URL) throw new HttpError(414, 'uri_too_long', `the request URL is longer than ${MAX_URL} characters`);
  const url = URL.canParse(target, 'http://rcache') ? new URL(target, 'http://rcache') : undefined;
  if (url === undefined) throw new HttpError(400, 'invalid_request', 'the request URL is malformed');
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
  const route = Object.hasOwn(served.routes, path) ? served.routes[path]! : undefined;
  const method = req.method ?? 'GET';
  if (route === undefined) {
    throw new HttpError(404, 'not_found', `no endpoint ${method} ${url.pathname}: rcache serves GET /records and PATCH /records/prune`);
  }
  if (!route.methods.includes(method)) {
    throw new HttpError(405, 'method_not_allowed', `${method} is not allowed on ${path}: use ${route.methods[0]}`, undefined, { Allow: route.methods.join(', ') });
  }
  authorize(req, served.secret);
  return route.answer(served.cache, req, url.searchParams);
}

/** An error as an answer; anything unexpected is logged on one line and answered with a bare 500. */
function failure(served: Served, req: IncomingMessage, error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof StoreError && error.kind === 'busy') {
    return new HttpError(503, 'database_busy', 'the database is locked by a writer; retry shortly', undefined, { 'Retry-After': '1' });
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
  res.once('close', () => {
    const ms = Math.round(performance.now() - started);
    const aborted = res.writableFinished ? '' : ' (aborted)';
    served.log(`${new Date().toISOString()} ${req.method} ${logged(req)} ${res.statusCode} ${ms}ms${aborted}`);
  });
  const send = (status: number, body: string, headers: Record<string, string> = {}) =>
    sendJson(res, status, body, served.stopping ? { ...headers, Connection: 'close' } : headers);
  answer(served, req).then(
    (body) => send(200, body),
    (error: unknown) => {
      const refusal = failure(served, req, error);
      send(refusal.status, refusal.body, refusal.headers);
    },
  );
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (error.code === 'EADDRINUSE') reject(new RcacheError(`cannot listen on ${where}: the port is in use (choose another port, or port 0 for any free one)`));
      else if (error.code === 'EACCES') reject(new RcacheError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new RcacheError(`cannot listen on ${where}: ${host} is not an address of this machine`));
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
  const served: Served = { ...options, routes: options.routes ?? RECORDS_ROUTES, stopping: false };
  const server = createServer({ maxHeaderSize: 2 * MAX_URL }, (req, res) => handle(served, req, res));
  const address = await listen(server, options.port, options.host);
  return {
    address,
    abort: () => server.closeAllConnections(),
    stop: async () => {
      served.stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE).unref();
      await closed;
      clearTimeout(force);
    },
  };
}
