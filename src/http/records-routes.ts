import type { IncomingMessage } from 'node:http';
import type { Cache } from '../cache/cache.js';
import type { ChangeQuery, ChangeReader } from '../cache/reader.js';
import { decodeCursor } from '../decisions/cursor.js';
import { checkName } from '../decisions/dataset.js';
import { parseFilter } from '../decisions/filter.js';
import { wholeNumber } from '../decisions/number.js';
import { parseTimestamp } from '../decisions/time.js';
import { InvalidArgumentError, ResyncRequiredError } from '../errors.js';
import { recordJson } from '../wire/records.js';
import type { Dataset } from '../types.js';
import { HttpError, type Issue } from './http.js';

// Nango's records API (GET /records, PATCH /records/prune), validated as Nango's zod schemas do.
const LIST_PARAMS = ['model', 'variant', 'delta', 'modified_after', 'limit', 'filter', 'cursor', 'ids'];
const PRUNE_FIELDS = ['model', 'variant', 'until_cursor', 'limit'];
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;
const DEFAULT_PRUNE_LIMIT = 1000;
const MAX_IDS = 100;
/** A page stops after the record that would take it past this many characters (at least one record). */
const PAGE_BYTES = 16 * 1024 * 1024;
const FIRST_BATCH = 16;

/** Collects every problem of one part of a request, so that one answer names them all. */
class Checks {
  readonly issues: Issue[] = [];

  add(path: string, code: string, message: string): undefined {
    this.issues.push({ code, message, path: path === '' ? [] : [path] });
    return undefined;
  }

  /** The value, or an issue when it is missing (unless `path` already has one, e.g. a wrong type). */
  required(path: string, value: string | undefined): string | undefined {
    if (value !== undefined || this.issues.some((issue) => issue.path[0] === path)) return value;
    return this.add(path, 'invalid_type', 'required');
  }

  /** `parse(value)` when a value is present; an InvalidArgumentError it throws becomes an issue. */
  parse<T>(path: string, value: string | undefined, parse: (text: string) => T): T | undefined {
    if (value === undefined) return undefined;
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof InvalidArgumentError) return this.add(path, 'custom', error.reason);
      throw error;
    }
  }

  unknown(keys: Iterable<string>, allowed: string[]): void {
    const unknown = [...new Set(keys)].filter((key) => !allowed.includes(key));
    if (unknown.length === 0) return;
    const names = unknown.map((key) => `'${key}'`).join(', ');
    this.add(
      '',
      'unrecognized_keys',
      `unknown ${unknown.length > 1 ? 'keys' : 'key'} ${names} (${allowed.length ? `allowed: ${allowed.join(', ')}` : 'none is allowed'})`,
    );
  }

  done(code: string): void {
    if (this.issues.length > 0) throw HttpError.invalid(code, this.issues);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A name sent in a header. A header carries bytes, which are read as Latin-1, so a name with
 * characters beyond ASCII cannot be sent as it is: it is sent percent-encoded as UTF-8, as in a URL,
 * and every `%` followed by two hex digits is decoded.
 */
function headerName(text: string): string {
  if (/[^\x00-\x7f]/.test(text)) {
    throw new InvalidArgumentError(
      'has characters beyond ASCII, which an HTTP header carries as Latin-1 bytes, not as text: send the name percent-encoded as UTF-8, as encodeURIComponent does (café: caf%C3%A9)',
    );
  }
  const decoded = text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return UTF8.decode(Buffer.from(run.replace(/%/g, ''), 'hex'));
    } catch {
      throw new InvalidArgumentError(`'${run}' is not percent-encoded UTF-8: send a % that is part of the name as %25`);
    }
  });
  return checkName(decoded);
}

function count(max: number) {
  return (text: string): number => {
    const value = wholeNumber(text, 1, max);
    if (value === undefined) throw new InvalidArgumentError(`must be a whole number from 1 to ${max}, not '${text}'`);
    return value;
  };
}

/** A cursor's form; whether it belongs to this database is checked when it is used. */
function cursor(text: string): string {
  if (text === '' || text.length > 1000) throw new InvalidArgumentError('must be 1 to 1000 characters');
  decodeCursor(text);
  return text;
}

/** Nango stores a variant other than "base" as the model `<model>::<variant>`; so does rcache. */
function modelName(model: string, variant: string | undefined): string {
  return variant === undefined || variant === 'base' ? model : `${model}::${variant}`;
}

function headerDataset(req: IncomingMessage, model: string): Dataset {
  const checks = new Checks();
  const header = (key: string) => {
    const value = req.headers[key];
    return checks.parse(key, checks.required(key, Array.isArray(value) ? value[0] : value), headerName);
  };
  const integration = header('provider-config-key');
  const connection = header('connection-id');
  checks.done('invalid_headers');
  return { integration: integration!, connection: connection!, model };
}

interface ListRequest {
  model: string;
  query: ChangeQuery;
  limit: number;
}

function listRequest(params: URLSearchParams): ListRequest {
  const checks = new Checks();
  checks.unknown(params.keys(), LIST_PARAMS);
  const single = (key: string) => {
    const values = params.getAll(key);
    return values.length > 1 ? checks.add(key, 'invalid_type', 'given more than once') : values[0];
  };
  const model = checks.parse('model', checks.required('model', single('model')), checkName);
  const variant = checks.parse('variant', single('variant'), checkName);
  const modifiedAfter = single('delta') ?? single('modified_after');
  const ids = params.getAll('ids');
  if (ids.length > MAX_IDS) checks.add('ids', 'too_big', `at most ${MAX_IDS} ids`);
  if (ids.some((id) => id === '' || id.length > 256)) checks.add('ids', 'custom', 'each id must be 1 to 256 characters');
  const limit = checks.parse('limit', single('limit'), count(MAX_LIMIT));
  const query: ChangeQuery = {
    cursor: checks.parse('cursor', single('cursor'), cursor),
    actions: checks.parse('filter', single('filter'), parseFilter),
    ids: ids.length > 0 ? ids : undefined,
    modifiedAfter: checks.parse('modified_after', modifiedAfter, (text) => parseTimestamp(text, 'modified_after')),
  };
  checks.done('invalid_query_params');
  return { model: modelName(model!, variant), limit: limit ?? DEFAULT_LIMIT, query };
}

/**
 * A cursor that is well formed but not this database's is refused as Nango refuses an invalid one;
 * one from before the dataset's last reset or expiry is gone (410), so that a client resyncs.
 */
async function checked<T>(path: string, code: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw HttpError.invalid(code, [{ code: 'custom', message: error.reason, path: [path] }]);
    if (error instanceof ResyncRequiredError) throw new HttpError(410, 'resync_required', error.message);
    throw error;
  }
}

/**
 * GET /records: one page of the change stream, as `rcache records --format json` prints it, but
 * cut short (with `next_cursor` set) once it passes PAGE_BYTES: a client holds a whole page as one
 * string, so a page of large records must stay far below the longest string a JavaScript engine
 * can make, whatever `limit` says.
 */
export async function listRecords(cache: Cache, req: IncomingMessage, params: URLSearchParams): Promise<string> {
  const { model, query, limit } = listRequest(params);
  const dataset = headerDataset(req, model);
  const reader = await checked('cursor', 'invalid_query_params', () => cache.reader(dataset, query));
  return checked('cursor', 'invalid_query_params', () => listPage(reader, limit));
}

/** The page from the reader's position, at most `limit` records and about PAGE_BYTES. */
async function listPage(reader: ChangeReader, limit: number): Promise<string> {
  const records: string[] = [];
  let bytes = 0;
  let last = 0;
  let more = false;
  // Rows are read a few at a time, fewer as they prove large, so no more than a page is held.
  let batch = FIRST_BATCH;
  fill: while (records.length < limit) {
    const changes = await reader.next(Math.min(batch, limit + 1 - records.length));
    for (const change of changes) {
      const json = recordJson(change, reader.cursorOf(change.position));
      if (records.length === limit || (records.length > 0 && bytes + json.length > PAGE_BYTES)) {
        more = true;
        break fill;
      }
      records.push(json);
      bytes += json.length + 1;
      last = change.position;
    }
    if (changes.length < batch) break;
    batch = Math.max(1, Math.min(FIRST_BATCH * 8, Math.floor((PAGE_BYTES - bytes) / (bytes / records.length))));
  }
  if (!more && records.length === limit) more = (await reader.next(1)).length > 0;
  const next = more ? `"${reader.cursorOf(last)}"` : 'null';
  return `{"records":[${records.join(',')}],"next_cursor":${next}}\n`;
}

interface PruneRequest {
  model: string;
  until: string;
  limit: number;
}

function pruneRequest(text: string): PruneRequest {
  const checks = new Checks();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    checks.add('', 'invalid_json', 'the body must be a JSON object');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    if (checks.issues.length === 0) checks.add('', 'invalid_type', 'the body must be a JSON object');
    checks.done('invalid_body');
  }
  const fields = body as Record<string, unknown>;
  checks.unknown(Object.keys(fields), PRUNE_FIELDS);
  const stringField = (key: string) => {
    const value = fields[key];
    return value === undefined || typeof value === 'string' ? value : checks.add(key, 'invalid_type', 'must be a string');
  };
  const model = checks.parse('model', checks.required('model', stringField('model')), checkName);
  const variant = checks.parse('variant', stringField('variant'), checkName);
  const until = checks.parse('until_cursor', checks.required('until_cursor', stringField('until_cursor')), cursor);
  const limit = fields.limit === undefined ? undefined : checks.parse('limit', String(fields.limit), count(MAX_LIMIT));
  checks.done('invalid_body');
  return { model: modelName(model!, variant), until: until!, limit: limit ?? DEFAULT_PRUNE_LIMIT };
}

/** PATCH /records/prune: drops the payloads up to and including `until_cursor`, at most `limit` of them. */
export async function pruneRecords(cache: Cache, req: IncomingMessage, params: URLSearchParams, body: string): Promise<string> {
  const checks = new Checks();
  checks.unknown(params.keys(), []);
  checks.done('invalid_query_params');
  const { model, until, limit } = pruneRequest(body);
  const dataset = headerDataset(req, model);
  const { count: pruned, hasMore } = await checked('until_cursor', 'invalid_body', () => cache.pruneUntil(dataset, until, { limit }));
  return JSON.stringify({ count: pruned, has_more: hasMore }) + '\n';
}
