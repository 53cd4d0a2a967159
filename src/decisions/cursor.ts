import { BARE_POSITION_START, DATABASE_ID_LENGTH } from '../database-id.js';
import { InvalidArgumentError } from '../errors.js';

/*
 * A cursor is the database's id (DATABASE_ID_LENGTH base64url characters) followed by the
 * base64url form of "rc:<position>": opaque and URL-safe for users, cheap to check here. The
 * second part alone names no database, so it could be taken for a position in any: it is refused.
 */
const DECODED = /^rc:(0|[1-9][0-9]{0,15})$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url (unpadded) of "rc:<position>", written out by hand: it runs once per record printed. */
function encodePosition(position: number): string {
  const text = 'rc:' + position;
  let out = '';
  for (let i = 0; i < text.length; i += 3) {
    const a = text.charCodeAt(i);
    const b = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    const c = i + 2 < text.length ? text.charCodeAt(i + 2) : 0;
    out += ALPHABET[a >> 2]! + ALPHABET[((a & 3) << 4) | (b >> 4)]!;
    if (i + 1 < text.length) out += ALPHABET[((b & 15) << 2) | (c >> 6)]!;
    if (i + 2 < text.length) out += ALPHABET[c & 63]!;
  }
  return out;
}

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
