import { UsageError } from '../errors.js';

// A cursor is the base64url form of "rc:<seq>": opaque and URL-safe for users, cheap to check here.
const PREFIX = 'rc:';
const DECODED = /^rc:(0|[1-9][0-9]{0,15})$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(seq: number): string {
  return Buffer.from(PREFIX + seq, 'latin1').toString('base64url');
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
