declare module 'pgpass' {
  /** The password the password file (PGPASSFILE, or ~/.pgpass) holds for a connection, if any. */
  export default function pgpass(
    connection: { host?: string; port?: number | string; database?: string; user?: string },
    found: (password: string | undefined) => void,
  ): void;
}
