/** What one attempt at a delivery came to: taken (a 2xx answer), or why not, in one line. */
export type Attempt = { taken: true; status: number } | { taken: false; error: string };

/** How much of a refusing answer's body the error quotes. */
const EXCERPT = 120;

export interface PostOptions {
  /** Gives up on an answer after this many ms. */
  timeout: number;
  /** Stops the attempt (the deliverer is stopping); the attempt then says 'stopped'. */
  signal: AbortSignal;
}

function excerpt(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > EXCERPT ? `${line.slice(0, EXCERPT)}…` : line;
}

function failure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection closed before an answer';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the receiver cannot be reached';
  }
  const detail = typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
  return `cannot send: ${excerpt(detail)}`;
}

/**
 * POSTs one webhook. Redirects are not followed: a receiver that moved answers 3xx, which is not
 * taking the delivery, and says so in the error.
 */
export async function post(url: string, body: string, headers: Record<string, string>, { timeout, signal }: PostOptions): Promise<Attempt> {
  const timer = AbortSignal.timeout(timeout);
  try {
    const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.any([signal, timer]) });
    // Read whole, so that the connection can carry the next delivery.
    const text = await response.text();
    if (response.status >= 200 && response.status < 300) return { taken: true, status: response.status };
    const said = excerpt(text);
    return { taken: false, error: `HTTP ${response.status}${said === '' ? '' : `: ${said}`}` };
  } catch (error) {
    if (signal.aborted) return { taken: false, error: 'stopped' };
    return { taken: false, error: timer.aborted ? `no answer within ${timeout / 1000} s` : failure(error) };
  }
}
