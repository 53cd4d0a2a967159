import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError, isLoopback } from './http.js';

/** The secret key as it is kept in memory and compared: its SHA-256, never the key itself. */
export function keyDigest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Nango's secret-key check: `Authorization: Bearer <key>`, compared in constant time. */
export function authorize(req: IncomingMessage, secret: Buffer | undefined): void {
  if (secret === undefined) return;
  const challenge = { 'WWW-Authenticate': 'Bearer realm="rcache"' };
  const header = req.headers.authorization;
  if (header === undefined) {
    throw new HttpError(401, 'missing_auth_header', 'Authentication failed. The request is missing the Authorization header.', undefined, challenge);
  }
  const match = /^Bearer (.+)$/i.exec(header);
  if (!match) throw new HttpError(401, 'malformed_auth_header', 'Authentication failed. The Authorization header is malformed.', undefined, challenge);
  if (!timingSafeEqual(keyDigest(match[1]!), secret)) {
    throw new HttpError(401, 'invalid_secret_key', 'Authentication failed. The provided secret key is invalid.', undefined, challenge);
  }
}

/**
 * Without a key, a request must be addressed to this machine by name or address: a web page on
 * another site that points its own name at 127.0.0.1 (DNS rebinding) is refused, although the
 * browser sends it from this machine.
 */
export function checkHost(req: IncomingMessage, secret: Buffer | undefined): void {
  const host = req.headers.host;
  if (secret !== undefined || host === undefined) return;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  if (isLoopback(name)) return;
  throw new HttpError(
    403,
    'forbidden_host',
    `requests must be addressed to 127.0.0.1, localhost or [::1], not ${name.slice(0, 100)}: without a secret key rcache serve answers this machine only`,
  );
}
