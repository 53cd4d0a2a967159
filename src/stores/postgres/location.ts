/** A PostgreSQL URL: the form rcache prints (no password, anywhere) and the database it names. */
export interface PostgresLocation {
  url: string;
  /** The URL without its password, safe to print. */
  safe: string;
  database: string;
}

const SECRET_PARAMS = /^(password|sslpassword|sslkey|sslcert)$/i;

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Parses a `postgres://` or `postgresql://` URL; undefined when it is not one rcache can use. */
export function parseLocation(location: string): PostgresLocation | undefined {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return undefined;
  }
  const safe = new URL(url.href);
  safe.password = '';
  for (const key of [...safe.searchParams.keys()]) if (SECRET_PARAMS.test(key)) safe.searchParams.delete(key);
  const database = decodeURIComponent(url.pathname.slice(1)) || url.searchParams.get('dbname') || decodeURIComponent(url.username) || 'postgres';
  return { url: location, safe: safe.href, database };
}

/** A location to print when the URL could not even be parsed: its scheme only. */
export function unparsable(location: string): string {
  return `${location.slice(0, location.indexOf('://') + 3)}…`;
}
