import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { finished } from 'node:stream/promises';

/** Sends rows, in COPY's text format, to a `COPY … FROM STDIN` statement; resolves with the number of rows copied. */
export async function copyIn(client: pg.ClientBase, statement: string, rows: string): Promise<number> {
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
