import { UsageError } from '../errors.js';

// A cursor is the base64url form of "rc:<seq>": opaque and URL-safe for users, cheap to check here.
const PREFIX = 'rc:';
const DECODED = /^rc:(0|[1-9][0-9]{0,15})$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url (unpadded) of "rc:<seq>", written out by hand: it runs once per record printed. */
export function encodeCursor(seq: number): string {
  const text = PREFIX + seq;
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

/** The sequence position a cursor names; an empty cursor means "from the beginning". */
export function decodeCursor(cursor: string): number {
  if (cursor === '') return 0;
  if (cursor.length <= 32 && BASE64URL.test(cursor)) {
    const match = DECODED.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
    if (match) {
      const seq = Number(match[1]);
      if (Number.isSafeInteger(seq)) return seq;
    }
  }
  throw new UsageError(`invalid cursor '${cursor.length > 60 ? cursor.slice(0, 60) + '…' : cursor}': use a cursor that rcache printed`);
}
