import pg from 'pg';
import { parse, toClientConfig } from 'pg-connection-string';
import pgpass from 'pgpass';
import { StoreError } from '../store.js';
import type { PostgresLocation } from './location.js';

type PassFileKey = Parameters<typeof pgpass>[0];

/** libpq's values of sslmode that rcache takes, and node-postgres' own `no-verify`. */
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/**
 * The client settings a URL names, over rcache's own `defaults` (the URL's parameters win).
 *
 * sslmode (or PGSSLMODE) has libpq's meaning, as for psql, which node-postgres adopts in its next
 * major version and warns about in this one: `require` encrypts without checking the server's
 * certificate (or checks it against sslrootcert when one is given), `verify-ca` checks the
 * certificate, `verify-full` also the host name; `prefer` is taken as `require`, since this
 * client cannot fall back to an unencrypted connection.
 *
 * The password comes from the URL, PGPASSWORD or the password file (~/.pgpass, PGPASSFILE), looked
 * up only when the server asks for one; when none is found the connection fails at once, naming
 * what is missing.
 */
export function clientConfig(location: PostgresLocation, defaults: pg.ClientConfig): pg.ClientConfig {
  const url = new URL(location.url);
  const mode = url.searchParams.get('sslmode') ?? (process.env.PGSSLMODE || undefined);
  if (mode !== undefined && !SSL_MODES.includes(mode)) {
    throw new StoreError('bad-location', `cannot open ${location.safe}: sslmode ${mode} is not one of ${SSL_MODES.join(', ')}`);
  }
  if (mode === 'verify-ca' && !url.searchParams.get('sslrootcert')) {
    throw new StoreError(
      'bad-location',
      `cannot open ${location.safe}: sslmode verify-ca needs sslrootcert, the file of the authority to check the server's certificate against`,
    );
  }
  let text = location.url;
  if (mode !== undefined && (mode === 'no-verify' || !url.searchParams.has('sslmode') || url.searchParams.has('uselibpqcompat'))) {
    url.searchParams.set('sslmode', mode === 'no-verify' ? 'require' : mode);
    url.searchParams.delete('uselibpqcompat');
    text = url.href;
  }
  let parsed: ReturnType<typeof parse>;
  let settings: pg.ClientConfig;
  try {
    parsed = parse(text, { useLibpqCompat: true });
    settings = toClientConfig(parsed);
  } catch (error) {
    // A certificate or key file that cannot be read, a port that is no number.
    throw new StoreError('bad-location', `cannot open ${location.safe}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const given = parsed.password || process.env.PGPASSWORD || undefined;
  const config = { ...defaults, ...settings };
  // node-postgres calls it with the settings it connects with, from the URL and the PG… variables.
  config.password = async (connection?: PassFileKey) => {
    const password = given ?? (await new Promise<string | undefined>((resolve) => pgpass(connection ?? {}, resolve)));
    if (password !== undefined) return password;
    throw new StoreError(
      'cannot-connect',
      `cannot connect to PostgreSQL at ${location.safe}: the server asks for a password and the URL gives none (add it to the URL, or set PGPASSWORD)`,
    );
  };
  return config;
}

/**
 * A client that closes its socket when its connection fails on the client's side. node-postgres
 * leaves it open when, say, there is no password to give the server, which then holds the
 * connection until its authentication timeout (a minute by default), and the process with it.
 */
export class Client extends pg.Client {
  constructor(config?: pg.ClientConfig) {
    super(config);
    this.connection.on('error', () => this.connection.stream.destroy());
  }
}
