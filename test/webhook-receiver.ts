// A webhook receiver for tests: an HTTP server on 127.0.0.1 that keeps every request it gets and
// answers each as the test's policy says: a status, or no answer at all until the client gives up.
import { Nango } from '@nangohq/node';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface Received {
  body: string;
  headers: IncomingHttpHeaders;
  /** The body parsed. */
  json: Record<string, any>;
  /** The status it was answered with; undefined while (or if never) answered. */
  status?: number;
}

/** What to do with the nth request (1-based): answer with this status (and body), or never answer. */
export type Policy = (request: Received, n: number) => number | { status: number; body: string } | 'hang';

export class Receiver {
  readonly requests: Received[] = [];
  /** Requests left unanswered, each ended when the client went away. */
  readonly hung: Promise<void>[] = [];
  private server: Server;
  port = 0;

  constructor(public policy: Policy = () => 200) {
    this.server = this.create();
  }

  private create(): Server {
    const server = createServer((req, res) => void this.answer(req, res));
    server.keepAliveTimeout = 60_000;
    return server;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const received: Received = { body, headers: req.headers, json: JSON.parse(body) as Record<string, any> };
    this.requests.push(received);
    const answer = this.policy(received, this.requests.length);
    if (answer === 'hang') {
      this.hung.push(once(res, 'close').then(() => {}));
      return;
    }
    const { status, body: text } = typeof answer === 'number' ? { status: answer, body: '' } : answer;
    received.status = status;
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end(text);
  }

  /** Listens on 127.0.0.1, on the port it had before when it had one. */
  async listen(): Promise<this> {
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening and drops every connection: a delivery now meets a refused connection. */
  async close(): Promise<void> {
    if (this.server.listening) {
      const closed = once(this.server, 'close');
      this.server.close();
      this.server.closeAllConnections();
      await closed;
    }
    this.server = this.create();
  }

  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The bodies of the requests answered with a 2xx, in the order they came. */
  taken(): Record<string, any>[] {
    return this.requests.filter((request) => request.status !== undefined && request.status < 300).map((request) => request.json);
  }
}

/** Whether the request carries Nango's signatures of its body with `key`, as the Nango client checks them. */
export function signedBy(request: Received, key: string): { hmac: boolean; legacy: boolean } {
  const nango = new Nango({ secretKey: key });
  const legacy = (nango as unknown as { _verifyWebhookSignatureImpl(signature: unknown, body: unknown): boolean })._verifyWebhookSignatureImpl(
    request.headers['x-nango-signature'],
    JSON.parse(request.body),
  );
  return { hmac: nango.verifyIncomingWebhookRequest(request.body, request.headers as Record<string, unknown>), legacy };
}

const started: Receiver[] = [];
afterEach(async () => {
  for (const receiver of started.splice(0)) await receiver.close();
});

/** A receiver listening on a free port of 127.0.0.1, closed after the test. */
export async function startReceiver(policy?: Policy): Promise<Receiver> {
  const receiver = new Receiver(policy);
  started.push(receiver);
  return receiver.listen();
}
