import { type IgnoreFields, MAX_DEPTH, MAY_LOSE_PRECISION, canonicalNumber, payloadHash } from './canonical.js';
import { rawDigest } from './raw-hash.js';
import { valueText, versionOf } from './version.js';
import { ExactNumber, nestedDeeperThan, parseExact, topLevelMembers } from './json-text.js';

export const MAX_ID_LENGTH = 255;
export const METADATA_KEY = '_nango_metadata';

export { DEFERRED_HASH } from '../types.js';

/** A record as it is stored: its id, the payload text, and the hashes that detect change. */
export interface PreparedRecord {
  id: string;
  /** The input text, less `_nango_metadata`, with a numeric id written as its string. */
  payload: string;
  /**
   * Hash of the canonical form: what decides whether the record changed. Absent when deferred:
   * a new record need not be compared with anything until a later line for its id differs.
   */
  hash?: string;
  /** With a version field: the JSON text of the record's version (see version.ts). */
  version?: string;
  /** Hash of the text as given, less the values of ignored fields (see rawDigest): an identical line is known unchanged without canonicalising. */
  rawHash: string;
}

/** Why one input line is not a record; the reader adds the file and line. */
export class RecordError extends Error {}

function parseObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RecordError(`not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RecordError(`expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/** A string id as given, or RecordError when it is empty or too long. */
export function checkId(id: string): string {
  if (id === '') throw new RecordError('"id" is an empty string');
  if (id.length > MAX_ID_LENGTH && [...id].length > MAX_ID_LENGTH) {
    throw new RecordError(`"id" is longer than ${MAX_ID_LENGTH} characters`);
  }
  return id;
}

function idText(text: string, record: Record<string, unknown>): string {
  if (!Object.hasOwn(record, 'id')) throw new RecordError('record has no "id"');
  const id = record.id;
  if (typeof id === 'string') return checkId(id);
  if (typeof id === 'number' && Number.isFinite(id)) {
    if (!MAY_LOSE_PRECISION.test(text)) return String(id);
    const member = topLevelMembers(text).findLast((m) => m.key === 'id')!;
    return canonicalNumber(text.slice(member.valueStart, member.end));
  }
  if (id instanceof ExactNumber) return canonicalNumber(id.text);
  throw new RecordError(`"id" must be a non-empty string or a finite number, not ${id === null ? 'null' : typeof id}`);
}

/** The id of one input line, for commands that need only the id. */
export function parseId(text: string): string {
  return idText(text, parseObject(text));
}

/** The stored text: `_nango_metadata` dropped and a numeric id quoted, all else byte for byte. */
function storedPayload(text: string, id: string, record: Record<string, unknown>): string {
  const hasMetadata = Object.hasOwn(record, METADATA_KEY);
  if (!hasMetadata && typeof record.id === 'string') return text;
  const members = topLevelMembers(text);
  const lastId = members.findLastIndex((m) => m.key === 'id');
  let out = text.slice(0, members[0]!.start);
  let kept = 0;
  members.forEach((member, index) => {
    if (member.key === METADATA_KEY) return;
    if (kept++ > 0) out += text.slice(members[index - 1]!.end, member.start);
    out += index === lastId ? text.slice(member.start, member.valueStart) + JSON.stringify(id) : text.slice(member.start, member.end);
  });
  return out + text.slice(members.at(-1)!.end);
}

/**
 * The id a line most likely has, found without parsing: the value of its first `"id"` key, when
 * that is a plain string or a small integer. Only a guess: a caller must confirm it (by the line's
 * hash matching what was stored for that id) before trusting it.
 */
export function likelyId(text: string): string | undefined {
  let i = text.indexOf('"id"');
  if (i === -1) return undefined;
  i += 4;
  while (text.charCodeAt(i) === 0x20) i++;
  if (text.charCodeAt(i++) !== 0x3a) return undefined;
  while (text.charCodeAt(i) === 0x20) i++;
  if (text.charCodeAt(i) === 0x22) {
    const end = text.indexOf('"', i + 1);
    const id = text.slice(i + 1, end);
    return end === -1 || id.includes('\\') ? undefined : id;
  }
  const match = /^-?[1-9][0-9]{0,14}(?=[,}\s])/.exec(text.slice(i, i + 17));
  return match ? match[0] : undefined;
}

/** What a run checks of each record it prepares, beyond being one. */
export interface RecordChecks {
  /** The dotted path of the field that orders versions of a record: a record without a usable one is refused. */
  versionPath?: readonly string[];
  /** The reason a payload (parsed, `_nango_metadata` dropped, the id a string) fails a schema, or undefined. */
  validate?: (payload: Record<string, unknown>) => string | undefined;
}

export interface PrepareOptions extends RecordChecks {
  /** The hash of the text as given, when the caller already has it. */
  rawHash?: string;
  /**
   * Leave the canonical hash to be computed when needed (see DEFERRED_HASH). Only honoured when no
   * field is ignored: the deferred hash is always the one over the whole payload.
   */
  deferHash?: boolean;
}

/** Turns one line of input (already trimmed) into a record ready to store, or throws RecordError. */
export function prepareRecord(text: string, ignore: IgnoreFields, options: PrepareOptions = {}): PreparedRecord {
  const record = parseObject(text);
  const rawHash = options.rawHash ?? rawDigest(text, ignore);
  const tooDeep = () => new RecordError(`record is nested more than ${MAX_DEPTH} levels deep`);
  try {
    const id = idText(text, record);
    const payload = storedPayload(text, id, record);
    if (options.validate !== undefined) checkPayload(record, id, options.validate);
    const version = options.versionPath === undefined ? undefined : usableVersion(payload, options.versionPath);
    if (options.deferHash && ignore.root === undefined) {
      // The payload, not the line: `_nango_metadata`, dropped, is not held to the limit.
      if (nestedDeeperThan(payload, MAX_DEPTH)) throw tooDeep();
      return { id, payload, rawHash, version };
    }
    const exact = MAY_LOSE_PRECISION.test(text) ? (parseExact(text) as Record<string, unknown>) : record;
    return { id, payload, hash: payloadHash(exact, id, ignore), rawHash, version };
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep();
    throw error;
  }
}

/** Checks the payload as it will be stored: without `_nango_metadata`, with the id as a string. */
function checkPayload(record: Record<string, unknown>, id: string, validate: NonNullable<RecordChecks['validate']>): void {
  let payload = record;
  if (Object.hasOwn(record, METADATA_KEY) || typeof record.id !== 'string') {
    payload = { ...record, id };
    delete payload[METADATA_KEY];
  }
  const reason = validate(payload);
  if (reason !== undefined) throw new RecordError(reason);
}

/** The JSON text of a payload's version, or RecordError when it has no usable one. */
export function usableVersion(payload: string, path: readonly string[]): string {
  const token = valueText(payload, path);
  const version = versionOf(token, path);
  if (typeof version === 'string') throw new RecordError(version);
  return token!;
}
