import pg from 'pg';

interface CopyConnection {
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** A `COPY … FROM STDIN` whose rows are one buffer in COPY's text format. */
class CopyIn extends pg.Query {
  constructor(
    text: string,
    private readonly data: Buffer,
    done: (error: Error | undefined, result: { rowCount?: number | null }) => void,
  ) {
    super(text, done);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }
}

/** Sends rows to a `COPY … FROM STDIN` statement; resolves with the number of rows copied. */
export function copyIn(client: pg.ClientBase, statement: string, rows: string): Promise<number> {
  return new Promise((resolve, reject) => {
    client.query(new CopyIn(statement, Buffer.from(rows), (error, result) => (error ? reject(error) : resolve(result?.rowCount ?? 0))));
  });
}

const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_ALL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A text value as a field of COPY's text format. */
export function copyField(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (char) => ESCAPES[char]!) : text;
}
