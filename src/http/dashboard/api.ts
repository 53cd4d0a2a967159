import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeCursor, encodeCursor } from '../../cache/cursor.js';
import { iso, parseTimestamp } from '../../cache/time.js';
import type { Dataset } from '../../cache/types.js';
import { parseFilter } from '../../cli/records.js';
import { UsageError } from '../../errors.js';
import { HttpError } from '../../io/http.js';
import { recordJson } from '../../io/records.js';
import type { DashboardSource, PageQuery, StreamRecord } from './source.js';

const MAX_PAGE = 500;
const MAX_RUNS = 5000;
const PREVIEW_CHARS = 160;
const HEARTBEAT_MS = 15_000;
export const SCAN_WINDOW = 100_000;

/** Reads the query parameters of one request; any mistake becomes a 400 naming the parameter. */
class Params {
  constructor(private readonly params: URLSearchParams) {}

  get(key: string): string | undefined {
    const value = this.params.get(key);
    return value === null || value === '' ? undefined : value;
  }

  required(key: string): string {
    const value = this.params.get(key);
    if (value === null) throw new HttpError(400, 'invalid_query_params', `${key}: required`);
    return value;
  }

  parse<T>(key: string, parse: (text: string) => T): T | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof UsageError) throw new HttpError(400, 'invalid_query_params', `${key}: ${error.message}`);
      throw error;
    }
  }

  count(key: string, max: number, fallback: number): number {
    return (
      this.parse(key, (text) => {
        const value = Number(text);
        if (!/^\d+$/.test(text) || value < 1 || value > max) throw new UsageError(`must be a whole number from 1 to ${max}, not '${text}'`);
        return value;
      }) ?? fallback
    );
  }

  dataset(): Dataset {
    return { integration: this.required('integration'), connection: this.required('connection'), model: this.required('model') };
  }
}

function streamItem(record: StreamRecord) {
  return {
    id: record.id,
    action: record.action,
    cursor: encodeCursor(record.seq),
    size: record.size,
    first_seen_at: iso(record.firstSeenAt),
    last_modified_at: iso(record.lastModifiedAt),
    deleted_at: iso(record.deletedAt),
    pruned_at: iso(record.prunedAt),
    preview: record.payload === null ? null : record.payload.slice(0, PREVIEW_CHARS),
  };
}

export async function overview(source: DashboardSource): Promise<string> {
  const [database, datasets, version] = await Promise.all([source.database(), source.datasets(), source.version()]);
  return JSON.stringify({ database, datasets, version });
}

export async function runs(source: DashboardSource, params: URLSearchParams): Promise<string> {
  const query = new Params(params);
  const dataset = query.dataset();
  const limit = query.count('limit', MAX_RUNS, 500);
  const since = query.parse('since', (text) => parseTimestamp(text, 'since'));
  return JSON.stringify({ runs: await source.runs(dataset, { limit, since }) });
}

/**
 * A page of the change stream; `next_cursor` continues in the same order, null at the end. A
 * filter by action or time may match few records: such a page looks through at most `scanWindow`
 * positions, so that no request reads the whole dataset, and says `partial` when it stopped there.
 */
export async function changes(source: DashboardSource, params: URLSearchParams, scanWindow = SCAN_WINDOW): Promise<string> {
  const query = new Params(params);
  const dataset = query.dataset();
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new HttpError(400, 'invalid_query_params', `order: use asc or desc, not '${order}'`);
  const limit = query.count('limit', MAX_PAGE, 50);
  const ids = query.get('ids')?.split(',').map((id) => id.trim()).filter((id) => id !== '');
  const page: PageQuery = {
    order,
    from: query.parse('cursor', decodeCursor) ?? 0,
    limit: limit + 1,
    actions: query.parse('filter', parseFilter),
    ids: ids?.length ? ids : undefined,
    modifiedAfter: query.parse('modified_after', (text) => parseTimestamp(text, 'modified_after')),
  };
  if (page.ids === undefined && (page.actions !== undefined || page.modifiedAfter !== undefined)) {
    const { lastPosition } = await source.database();
    const start = order === 'asc' ? page.from : page.from === 0 ? lastPosition + 1 : page.from;
    const stop = order === 'asc' ? start + scanWindow : start - scanWindow;
    if (order === 'asc' ? stop < lastPosition : stop > 1) page.to = stop;
  }
  const found = await source.page(dataset, page);
  const records = found.slice(0, limit);
  const partial = found.length <= limit && page.to !== undefined;
  // The window's edge is a position like any other: the next page reads on from there.
  const next = found.length > limit ? encodeCursor(records[records.length - 1]!.seq) : partial ? encodeCursor(page.to!) : null;
  return JSON.stringify({ records: records.map(streamItem), next_cursor: next, partial });
}

/** One record as `rcache records` prints it, with its payload size. */
export async function record(source: DashboardSource, params: URLSearchParams): Promise<string> {
  const query = new Params(params);
  const dataset = query.dataset();
  const id = query.required('id');
  const found = await source.record(dataset, id);
  if (found === undefined) throw new HttpError(404, 'not_found', `no record '${id}' in ${dataset.integration}/${dataset.connection}/${dataset.model}`);
  return `{"record":${recordJson(found)},"size":${found.size}}`;
}

export function sendText(res: ServerResponse, contentType: string, body: string): void {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store' });
  res.end(body);
}

/**
 * Server-sent events: one `version` event now and one after every commit, until the client goes
 * away or `closing` aborts (the server stopping).
 */
export async function events(source: DashboardSource, req: IncomingMessage, res: ServerResponse, closing: AbortSignal): Promise<void> {
  const stop = new AbortController();
  const end = () => stop.abort();
  req.once('close', end);
  closing.addEventListener('abort', end, { once: true });
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS).unref();
  try {
    let version = await source.version();
    res.write(`event: version\ndata: ${JSON.stringify(version)}\n\n`);
    while (!stop.signal.aborted) {
      version = await source.waitForCommit(version, stop.signal);
      res.write(`event: version\ndata: ${JSON.stringify(version)}\n\n`);
    }
  } catch (error) {
    // The headers are sent: the stream just ends, and the page reconnects.
    if (!stop.signal.aborted) process.stderr.write(`rcache serve: live updates stopped: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    clearInterval(heartbeat);
    closing.removeEventListener('abort', end);
    req.off('close', end);
    res.end();
  }
}
