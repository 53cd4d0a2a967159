import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BlockList, isIP } from 'node:net';

/** One reason a request was refused, in the shape of Nango's validation errors. */
export interface Issue {
  code: string;
  message: string;
  path: (string | number)[];
}

/** An answer other than success, sent in Nango's error shape `{"error": {"code", "message"}}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: Issue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** A 400 listing every issue found, each prefixed with where it was found. */
  static invalid(code: string, issues: Issue[]): HttpError {
    const message = issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
    return new HttpError(400, code, message, issues);
  }

  get body(): string {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.issues) error.errors = this.issues;
    return JSON.stringify({ error }) + '\n';
  }
}

export function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/**
 * Answers a request that Node's parser refused before any handler saw it (a malformed request
 * line or header, headers too large, too slow), in the shape and with the headers of every other answer.
 */
export function refuseMalformed(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A response already under way on this connection cannot be followed by another.
  const underway = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage?.headersSent === true;
  if (error.code === 'ECONNRESET' || !socket.writable || underway) {
    socket.destroy();
    return;
  }
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new HttpError(431, 'headers_too_large', 'the request headers are too large')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new HttpError(408, 'request_timeout', 'the request was not received in time')
        : new HttpError(400, 'invalid_request', 'the request is not valid HTTP/1.1');
  const body = refusal.body;
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n' +
      body,
  );
}

/** The request body as text, refusing (413) one larger than `limit` bytes without reading all of it. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = () => new HttpError(413, 'payload_too_large', `the request body is larger than ${limit} bytes`, undefined, { Connection: 'close' });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: Error) => {
      req.off('data', onData);
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) stop(tooLarge());
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', stop);
  });
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:7f00:0', 104, 'ipv6');

/** Whether `host` names this machine only: localhost, 127.0.0.0/8 or ::1. */
export function isLoopback(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (address === 'localhost') return true;
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** The base URL a client would use to reach `address:port`. */
export function baseUrl(address: string, port: number): string {
  return `http://${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
}
