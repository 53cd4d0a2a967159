import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { finished } from 'node:stream/promises';

/** Sends rows, in COPY's text format, to a `COPY … FROM STDIN` statement; resolves with the number of rows copied. */
export async function copyIn(client: pg.ClientBase, statement: string, rows: string | Buffer): Promise<number> {
  const stream = client.query(copyFrom(statement));
  stream.end(rows);
  await finished(stream);
  return stream.rowCount;
}

const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_ALL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A text value as a field of COPY's text format. */
export function copyField(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (char) => ESCAPES[char]!) : text;
}

/**
 * Rows in COPY's text format, encoded into one buffer piece by piece: joining them into one long
 * text first would have it copied once more, and encoded all at once, before it is sent.
 */
export class CopyRows {
  private bytes: Buffer;
  private used = 0;

  constructor(estimate: number) {
    this.bytes = Buffer.allocUnsafe(estimate);
  }

  /** Adds text as it is: fields already escaped (copyField), with their tabs and line breaks. */
  add(text: string): void {
    const room = this.used + text.length * 3;
    if (room > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(room, 2 * this.bytes.length));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    this.used += this.bytes.write(text, this.used);
  }

  get buffer(): Buffer {
    return this.bytes.subarray(0, this.used);
  }
}
