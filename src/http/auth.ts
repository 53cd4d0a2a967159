import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.js';

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
