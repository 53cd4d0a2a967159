import { randomBytes } from 'node:crypto';

/** Characters of a database's id, which every cursor begins with (base64url). */
export const DATABASE_ID_LENGTH = 12;

/**
 * The start of a position written without a database id ("rc:" in base64url): no database id
 * begins so, and so the two are never confused (see src/decisions/cursor.ts).
 */
export const BARE_POSITION_START = 'cmM6';

/** A new database's id: random, and never mistaken for the start of a bare position. */
export function newDatabaseId(random: (bytes: number) => Uint8Array = randomBytes): string {
  for (;;) {
    const id = Buffer.from(random((DATABASE_ID_LENGTH * 3) / 4)).toString('base64url');
    if (!id.startsWith(BARE_POSITION_START)) return id;
  }
}
