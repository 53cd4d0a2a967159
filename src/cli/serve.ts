import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openCache, type RecordsCache } from '../cache/cache.js';
import { RcacheError, UsageError } from '../errors.js';
import { baseUrl, HttpError, isLoopback, readBody, sendJson } from '../io/http.js';
import { parseCount, type GlobalOptions } from './context.js';
import { listRecords, pruneRecords } from './records-api.js';

export interface ServeOptions extends GlobalOptions {
  host: string;
  port: string;
  secretKey?: string;
}

const MAX_BODY = 1024 * 1024;
const MAX_URL = 16 * 1024;
// A server must not stall every client while a long `save` holds the write lock: it answers 503 instead.
const DEFAULT_BUSY_TIMEOUT = 1000;
const SHUTDOWN_GRACE = 5000;

interface Route {
  methods: string[];
  answer: (served: Served, req: IncomingMessage, params: URLSearchParams) => Promise<string> | string;
}

const ROUTES: Record<string, Route> = {
  '/records': {
    methods: ['GET', 'HEAD'],
    answer: (served, req, params) => listRecords(served.cache, req, params),
  },
  '/records/prune': {
    methods: ['PATCH'],
    answer: async (served, req, params) => pruneRecords(served.cache, req, params, await readBody(req, MAX_BODY)),
  },
};

/** What every request needs: the open database, the key's digest, and whether the server is stopping. */
interface Served {
  cache: RecordsCache;
  secret: Buffer | undefined;
  stopping: boolean;
  debug: boolean;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Nango's secret-key check: `Authorization: Bearer <key>`, compared in constant time. */
function authorize(req: IncomingMessage, secret: Buffer | undefined): void {
  if (secret === undefined) return;
  const challenge = { 'WWW-Authenticate': 'Bearer realm="rcache"' };
  const header = req.headers.authorization;
  if (header === undefined) {
    throw new HttpError(401, 'missing_auth_header', 'Authentication failed. The request is missing the Authorization header.', undefined, challenge);
  }
  const match = /^Bearer (.+)$/i.exec(header);
  if (!match) throw new HttpError(401, 'malformed_auth_header', 'Authentication failed. The Authorization header is malformed.', undefined, challenge);
  if (!timingSafeEqual(digest(match[1]!), secret)) {
    throw new HttpError(401, 'invalid_secret_key', 'Authentication failed. The provided secret key is invalid.', undefined, challenge);
  }
}

async function answer(served: Served, req: IncomingMessage): Promise<string> {
  const target = req.url ?? '/';
  if (target.length > MAX_URL) throw new HttpError(414, 'uri_too_long', `the request URL is longer than ${MAX_URL} characters`);
  const url = URL.canParse(target, 'http://rcache') ? new URL(target, 'http://rcache') : undefined;
  if (url === undefined) throw new HttpError(400, 'invalid_request', 'the request URL is malformed');
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
  const route = Object.hasOwn(ROUTES, path) ? ROUTES[path]! : undefined;
  const method = req.method ?? 'GET';
  if (route === undefined) {
    throw new HttpError(404, 'not_found', `no endpoint ${method} ${url.pathname}: rcache serves GET /records and PATCH /records/prune`);
  }
  if (!route.methods.includes(method)) {
    throw new HttpError(405, 'method_not_allowed', `${method} is not allowed on ${path}: use ${route.methods[0]}`, undefined, { Allow: route.methods.join(', ') });
  }
  authorize(req, served.secret);
  return route.answer(served, req, url.searchParams);
}

/** An error as an answer; anything unexpected is logged on one line and answered with a bare 500. */
function failure(served: Served, req: IncomingMessage, error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
    return new HttpError(503, 'database_busy', 'the database is locked by a writer; retry shortly', undefined, { 'Retry-After': '1' });
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`rcache serve: internal error on ${req.method} ${logged(req)}: ${message}\n`);
  if (served.debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
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
    process.stderr.write(`${new Date().toISOString()} ${req.method} ${logged(req)} ${res.statusCode} ${ms}ms${aborted}\n`);
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

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) throw new UsageError(`--port takes a number from 0 to 65535 (0: any free port), not '${text}'`);
  return port;
}

function secretOf(options: ServeOptions): Buffer | undefined {
  if (options.secretKey === undefined) {
    if (!isLoopback(options.host)) {
      throw new UsageError(
        `refusing to listen on ${options.host} without a secret key, since anyone who can reach it could read the cache: ` +
          'set RCACHE_SECRET_KEY (or --secret-key), or listen on a loopback address such as 127.0.0.1',
      );
    }
    return undefined;
  }
  if (options.secretKey === '') throw new UsageError('--secret-key (RCACHE_SECRET_KEY) must not be empty; unset it to serve without a key');
  return digest(options.secretKey);
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (error.code === 'EADDRINUSE') reject(new RcacheError(`cannot listen on ${where}: the port is in use (choose another with --port, or --port 0 for any free port)`));
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

/** Resolves with the first SIGINT or SIGTERM; later ones call `again`. */
function stopSignal(again: () => void): { received: Promise<NodeJS.Signals>; dispose: () => void } {
  let resolve!: (signal: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((done) => (resolve = done));
  let seen = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (seen) again();
    seen = true;
    resolve(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    received,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Answers Nango's records API over HTTP until SIGINT or SIGTERM, then stops cleanly. */
export async function serve(options: ServeOptions): Promise<void> {
  const port = parsePort(options.port);
  const secret = secretOf(options);
  const busyTimeout = options.busyTimeout === undefined ? DEFAULT_BUSY_TIMEOUT : parseCount(options.busyTimeout, '--busy-timeout', 0);
  const cache = openCache(options.db, { busyTimeout });
  const served: Served = { cache, secret, stopping: false, debug: options.debug === true };
  const server = createServer({ maxHeaderSize: 2 * MAX_URL }, (req, res) => handle(served, req, res));
  const signal = stopSignal(() => server.closeAllConnections());
  try {
    const address = await listen(server, port, options.host);
    const key = secret ? 'secret key required' : 'no secret key: loopback only';
    process.stderr.write(`rcache serve: listening on ${baseUrl(address.address, address.port)} (database ${options.db}, ${key})\n`);
    const name = await signal.received;
    served.stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE).unref();
    await closed;
    clearTimeout(force);
    process.stderr.write(`rcache serve: stopped by ${name}\n`);
  } finally {
    signal.dispose();
    if (server.listening) server.close();
    cache.close();
  }
}
