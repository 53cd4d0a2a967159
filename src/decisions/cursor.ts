import { BARE_POSITION_START, DATABASE_ID_LENGTH } from '../database-id.js';
import { InvalidArgumentError } from '../errors.js';

/*
 * A cursor is the database's id (DATABASE_ID_LENGTH base64url characters) followed by the
 * base64url form of "rc:<position>": opaque and URL-safe for users, cheap to check here. The
 * second part alone names no database, so it could be taken for a position in any: it is refused.
 */
const DECODED = /^rc:(0|[1-9][0-9]{0,15})$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const ALPHABET = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 'latin1');
/** "rc:" and the position's digits: a safe integer has at most 16. */
const TEXT = Buffer.from('rc:0000000000000000', 'latin1');
const ENCODED = Buffer.alloc(32);

/**
 * Writes the base64url form (unpadded) of "rc:<position>" into `out` at `at`; returns where it
 * ends. By hand, on bytes: it runs once per record printed.
 */
export function writePosition(out: Uint8Array, at: number, position: number): number {
  let length = 4;
  for (let rest = position; rest >= 10; rest = Math.floor(rest / 10)) length++;
  for (let i = length - 1, rest = position; i >= 3; i--, rest = Math.floor(rest / 10)) TEXT[i] = 48 + (rest % 10);
  for (let i = 0; i < length; i += 3) {
    const a = TEXT[i]!;
    const b = i + 1 < length ? TEXT[i + 1]! : 0;
    const c = i + 2 < length ? TEXT[i + 2]! : 0;
    out[at++] = ALPHABET[a >> 2]!;
    out[at++] = ALPHABET[((a & 3) << 4) | (b >> 4)]!;
    if (i + 1 < length) out[at++] = ALPHABET[((b & 15) << 2) | (c >> 6)]!;
    if (i + 2 < length) out[at++] = ALPHABET[c & 63]!;
  }
  return at;
}

function encodePosition(position: number): string {
  return ENCODED.toString('latin1', 0, writePosition(ENCODED, 0, position));
}

/** A cursor: the database's id, then writePosition's text. */
export function encodeCursor(databaseId: string, position: number): string {
  return databaseId + encodePosition(position);
}

export interface DecodedCursor {
  /** Undefined for the empty cursor (the beginning), which belongs to every database. */
  databaseId: string | undefined;
  position: number;
}

function decodePosition(text: string): number | undefined {
  if (text.length === 0 || !BASE64URL.test(text)) return undefined;
  const match = DECODED.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!match) return undefined;
  const position = Number(match[1]);
  // The last character of an encoding has spare bits: only the form rcache prints is taken.
  return Number.isSafeInteger(position) && encodePosition(position) === text ? position : undefined;
}

/** What a cursor names, or InvalidArgumentError for text that no rcache printed. An empty cursor is the beginning. */
export function decodeCursor(cursor: string): DecodedCursor {
  if (cursor === '') return { databaseId: undefined, position: 0 };
  if (cursor.length <= 48) {
    if (cursor.startsWith(BARE_POSITION_START) && decodePosition(cursor) !== undefined) {
      throw new InvalidArgumentError(`invalid cursor '${cursor}': it names no database; use a cursor that rcache printed`);
    }
    const position = decodePosition(cursor.slice(DATABASE_ID_LENGTH));
    if (position !== undefined && BASE64URL.test(cursor.slice(0, DATABASE_ID_LENGTH))) {
      return { databaseId: cursor.slice(0, DATABASE_ID_LENGTH), position };
    }
  }
  throw new InvalidArgumentError(`invalid cursor '${cursor.length > 60 ? cursor.slice(0, 60) + '…' : cursor}': use a cursor that rcache printed`);
}
