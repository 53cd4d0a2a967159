import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cache } from '../../cache/cache.js';
import { encodeCursor } from '../../decisions/cursor.js';
import { parseFilter } from '../../decisions/filter.js';
import { wholeNumber } from '../../decisions/number.js';
import { iso, parseTimestamp } from '../../decisions/time.js';
import { InvalidArgumentError } from '../../errors.js';
import { recordJson } from '../../wire/records.js';
import { datasetJson, runJson, webhookJson } from '../../wire/stats-json.js';
import type { Change, Dataset } from '../../stores/store.js';
import { HttpError } from '../http.js';
import type { DatabaseJson, DatasetPageJson, NumberedRunJson, OverviewJson } from '../../wire/dashboard.js';

const MAX_PAGE = 500;
const MAX_RUNS = 5000;
const PREVIEW_CHARS = 160;
const HEARTBEAT_MS = 15_000;
const COMMIT_POLL_MS = 250;
/** How many positions a page of the change stream filtered by action or time looks through at most. */
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
    return value === undefined ? undefined : checked(key, () => parse(value));
  }

  count(key: string, max: number, fallback: number): number {
    return (
      this.parse(key, (text) => {
        const value = Number(text);
        if (!/^\d+$/.test(text) || value < 1 || value > max) throw new InvalidArgumentError(`must be a whole number from 1 to ${max}, not '${text}'`);
        return value;
      }) ?? fallback
    );
  }

  dataset(): Dataset {
    return { integration: this.required('integration'), connection: this.required('connection'), model: this.required('model') };
  }
}

/** `work()` (or the promise it returns), with an invalid value it throws answered as a 400 naming the parameter. */
function checked<T>(key: string, work: () => T): T {
  const refuse = (error: unknown): never => {
    if (error instanceof InvalidArgumentError) throw new HttpError(400, 'invalid_query_params', `${key}: ${error.reason}`);
    throw error;
  };
  try {
    const result = work();
    return result instanceof Promise ? (result.catch(refuse) as T) : result;
  } catch (error) {
    return refuse(error);
  }
}

function payloadSize(change: Change): number | null {
  return change.payload === null ? null : Buffer.byteLength(change.payload);
}

async function database(cache: Cache): Promise<DatabaseJson> {
  const info = await cache.info();
  return { location: info.location, size: info.bytes ?? null, store: info.kind };
}

/** Every dataset's figures, for the overview. */
export async function overview(cache: Cache): Promise<string> {
  const [where, datasets, webhooks] = await Promise.all([database(cache), cache.stats(), cache.deliveries().list()]);
  return JSON.stringify({ database: where, datasets: datasets.map(datasetJson), webhooks: webhooks.map(webhookJson) } satisfies OverviewJson);
}

/** One dataset's figures (null when it has none), its checkpoint and its schema, for its page: indexed reads, however many datasets there are. */
export async function dataset(cache: Cache, params: URLSearchParams): Promise<string> {
  const name = new Params(params).dataset();
  const [where, found, checkpoint, schema] = await Promise.all([database(cache), cache.stats(name), cache.checkpoint(name), cache.schema(name)]);
  return JSON.stringify({
    database: where,
    dataset: found.length ? datasetJson(found[0]!) : null,
    checkpoint: { checkpoint: checkpoint.checkpoint, version: checkpoint.version, updated_at: iso(checkpoint.updatedAt) },
    schema: schema ?? null,
  } satisfies DatasetPageJson);
}

/** A dataset's runs, newest first; with `after` (a run's number) only those committed since. */
export async function runs(cache: Cache, params: URLSearchParams): Promise<string> {
  const query = new Params(params);
  const dataset = query.dataset();
  const limit = query.count('limit', MAX_RUNS, 500);
  const since = query.parse('since', (text) => parseTimestamp(text));
  const after = query.parse('after', (text) => {
    const value = wholeNumber(text, 0);
    if (value === undefined) throw new InvalidArgumentError(`must be a run's number, not '${text}'`);
    return value;
  });
  const found = await cache.runs({ dataset, limit, since, after, order: 'newest-first' });
  return JSON.stringify({ runs: found.map((run): NumberedRunJson => ({ number: run.number, ...runJson(run) })) });
}

/**
 * A page of the change stream; `next_cursor` continues in the same order, null at the end. A
 * filter by action or time may match few records: such a page looks through at most `span`
 * positions, so that no request reads the whole dataset, and says `partial` when it stopped there.
 */
export async function changes(cache: Cache, params: URLSearchParams, span = SCAN_WINDOW): Promise<string> {
  const query = new Params(params);
  const dataset = query.dataset();
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new HttpError(400, 'invalid_query_params', `order: use asc or desc, not '${order}'`);
  const limit = query.count('limit', MAX_PAGE, 50);
  const ids = query
    .get('ids')
    ?.split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const actions = query.parse('filter', (text) => parseFilter(text));
  const modifiedAfter = query.parse('modified_after', (text) => parseTimestamp(text));
  const cursor = query.get('cursor');
  const reader = await checked('cursor', () =>
    cache.reader(dataset, {
      cursor,
      order: order === 'asc' ? 'oldest-first' : 'newest-first',
      actions,
      ids: ids?.length ? ids : undefined,
      modifiedAfter,
      span: !ids?.length && (actions !== undefined || modifiedAfter !== undefined) ? span : undefined,
    }),
  );
  const found = await reader.next(limit + 1);
  const records = found.slice(0, limit);
  // The span's edge is a position like any other: the next page reads on from there.
  const next = found.length > limit ? reader.cursorOf(records[records.length - 1]!.position) : reader.searchedPart ? reader.cursorOf(reader.position!) : null;
  const items = records.map((change) => ({
    id: change.id,
    action: change.action,
    cursor: reader.cursorOf(change.position),
    size: payloadSize(change),
    first_seen_at: iso(change.firstSeenAt),
    last_modified_at: iso(change.lastModifiedAt),
    deleted_at: iso(change.deletedAt),
    pruned_at: iso(change.prunedAt),
    preview: change.payload === null ? null : change.payload.slice(0, PREVIEW_CHARS),
  }));
  return JSON.stringify({ records: items, next_cursor: next, partial: reader.searchedPart });
}

/** One record as `rcache records` prints it, with its payload size (null once pruned). */
export async function record(cache: Cache, params: URLSearchParams): Promise<string> {
  const query = new Params(params);
  const dataset = query.dataset();
  const id = query.required('id');
  const [found, info] = await Promise.all([cache.record(dataset, id), cache.info()]);
  if (found === undefined) throw new HttpError(404, 'not_found', `no record '${id}' in ${dataset.integration}/${dataset.connection}/${dataset.model}`);
  return `{"record":${recordJson(found, encodeCursor(info.id, found.position))},"size":${payloadSize(found)}}`;
}

export function sendText(res: ServerResponse, contentType: string, body: string): void {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store' });
  res.end(body);
}

/**
 * Server-sent events: one `version` event now and one after every commit, until the client goes
 * away, `closing` aborts (the server stopping) or the database is replaced.
 */
export async function events(
  cache: Cache,
  req: IncomingMessage,
  res: ServerResponse,
  closing: AbortSignal,
  log: (line: string) => void = () => {},
): Promise<void> {
  const signal = AbortSignal.any([closing, abortedWith(res)]);
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
  if (req.method === 'HEAD') return void res.end();
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS).unref();
  const send = (version: number) => res.write(`event: version\ndata: ${JSON.stringify(String(version))}\n\n`);
  try {
    let version = await cache.version();
    send(version);
    for (;;) {
      const waited = await cache.waitForCommit(version, { interval: COMMIT_POLL_MS, signal });
      if (waited.reason !== 'committed') break;
      send((version = waited.version));
    }
  } catch (error) {
    // The headers are sent: the stream just ends, and the page reconnects.
    if (!signal.aborted) log(`rcache serve: live updates stopped: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}

/** A signal that aborts when the response's connection closes (the client went away). */
function abortedWith(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  return gone.signal;
}
