import { once } from 'node:events';
import { wholeNumber } from '../decisions/number.js';
import { StoreError, type InterruptedError } from '../errors.js';
import { keyDigest } from '../http/auth.js';
import { ServedDatabase } from '../http/database.js';
import { baseUrl, isLoopback } from '../http/http.js';
import { startServer } from '../http/server.js';
import { interruptible, open, parseCount, UsageError, type GlobalOptions } from './context.js';
import { displayLocation } from '../stores/open.js';

export interface ServeOptions extends GlobalOptions {
  host: string;
  port: string;
  secretKey?: string;
}

// A server must not stall every client while a long `save` holds the write lock: it answers 503 instead.
const DEFAULT_BUSY_TIMEOUT = 1000;

function parsePort(text: string): number {
  const port = wholeNumber(text.trim(), 0, 65535);
  if (port === undefined) throw new UsageError(`--port takes a number from 0 to 65535 (0: any free port), not '${text}'`);
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
  return keyDigest(options.secretKey);
}

/**
 * The database, writable for PATCH /records/prune where it can be; else read-only, since reading is
 * most of what a server does. `create`: a missing one is created (at start, not once it was deleted).
 */
async function openServed(options: ServeOptions, busyTimeout: number, create: boolean) {
  try {
    return await open({ ...options, busyTimeout: undefined }, false, busyTimeout, create);
  } catch (error) {
    if (!(error instanceof StoreError) || error.kind !== 'read-only') throw error;
    process.stderr.write(`rcache serve: ${error.message}; serving it read-only (PATCH /records/prune will fail)\n`);
    return open({ ...options, busyTimeout: undefined }, true, busyTimeout);
  }
}

/** Answers Nango's records API over HTTP until SIGINT or SIGTERM, then stops cleanly. */
export async function serve(options: ServeOptions): Promise<void> {
  const port = parsePort(options.port);
  const secret = secretOf(options);
  const busyTimeout = options.busyTimeout === undefined ? DEFAULT_BUSY_TIMEOUT : parseCount(options.busyTimeout, '--busy-timeout', 0);
  const database = await ServedDatabase.of(await openServed(options, busyTimeout, true), () => openServed(options, busyTimeout, false));
  let abort = () => {};
  const stop = interruptible(() => abort());
  try {
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const server = await startServer({ database, host: options.host, port, secret, log, debug: options.debug === true });
    abort = server.abort;
    const key = secret ? 'secret key required' : 'no secret key: loopback only';
    const lease = await database.acquire();
    const { kind } = await lease.cache.info().finally(() => lease.release());
    log(`rcache serve: listening on ${baseUrl(server.address.address, server.address.port)} (${kind} database ${displayLocation(options.db)}, ${key})`);
    if (!stop.signal.aborted) await once(stop.signal, 'abort');
    const { signal: name } = stop.signal.reason as InterruptedError;
    await server.stop();
    log(`rcache serve: stopped by ${name}`);
  } finally {
    stop.dispose();
    await database.close();
  }
}
