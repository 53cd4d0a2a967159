import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** What one attempt at a delivery came to: taken (a 2xx answer), or why not, in one line. */
export type Attempt = { taken: true; status: number } | { taken: false; error: string };

/** How much of a refusing answer's body is kept, and how much of it the error quotes. */
const KEPT = 4096;
const EXCERPT = 120;

/**
 * Connections kept open between deliveries, one pool per deliverer: node's own client, which
 * takes a few times less time per request than fetch does.
 */
export class Connections {
  readonly http = new HttpAgent({ keepAlive: true });
  readonly https = new HttpsAgent({ keepAlive: true });

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

export interface PostOptions {
  /** Gives up on an answer after this many ms. */
  timeout: number;
  /** Stops the attempt (the deliverer is stopping); the attempt then says 'stopped'. */
  signal: AbortSignal;
  connections: Connections;
}

function excerpt(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > EXCERPT ? `${line.slice(0, EXCERPT)}…` : line;
}

function failure(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection closed before an answer';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the receiver cannot be reached';
  }
  return `cannot send: ${excerpt(error instanceof Error ? error.message : String(error))}`;
}

function outcome(response: IncomingMessage, body: Buffer): Attempt {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { taken: true, status };
  const said = excerpt(body.toString('utf8'));
  // Redirects are not followed: a receiver that moved has not taken the delivery, and says where it went.
  const moved = status >= 300 && status < 400 && typeof response.headers.location === 'string' ? ` (to ${excerpt(response.headers.location)})` : '';
  return { taken: false, error: `HTTP ${status}${moved}${said === '' ? '' : `: ${said}`}` };
}

/** POSTs one webhook and reads the whole answer, so that its connection can carry the next one. */
export function post(url: string, body: string, headers: Record<string, string>, { timeout, signal, connections }: PostOptions): Promise<Attempt> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const agent = target.protocol === 'https:' ? connections.https : connections.http;
    let timedOut = false;
    const fail = (error: unknown) => {
      clearTimeout(timer);
      if (signal.aborted) resolve({ taken: false, error: 'stopped' });
      else resolve({ taken: false, error: timedOut ? `no answer within ${timeout / 1000} s` : failure(error) });
    };
    const request = send(target, { method: 'POST', agent, signal, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < KEPT) chunks.push(chunk);
        kept += chunk.length;
      });
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        resolve(outcome(response, Buffer.concat(chunks)));
      });
    });
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy();
    }, timeout);
    request.on('error', fail);
    request.end(body);
  });
}
