import { parseLocation, unparsable } from './postgres/location.js';
import { StoreError, type Store, type StoreOptions } from './store.js';

/** Opens a store of one kind; loaded only when a location of that kind is given. */
type Opener = (location: string, options: StoreOptions) => Promise<Store>;

/** Every kind of store, by the URL schemes that select it. A file path (no scheme) is SQLite. */
const POSTGRES = async (): Promise<Opener> => (await import('./postgres/postgres-store.js')).openPostgresStore;
const SCHEMES: Record<string, () => Promise<Opener>> = {
  'postgres:': POSTGRES,
  'postgresql:': POSTGRES,
};

const SQLITE = async (): Promise<Opener> => (await import('./sqlite/sqlite-store.js')).openSqliteStore;

/** A location as rcache prints it: a URL loses its password (and any other secret in it). */
export function displayLocation(location: string): string {
  if (schemeOf(location) === undefined) return location;
  return parseLocation(location)?.safe ?? unparsable(location);
}

/** Whether `location` names a database on a server (a URL) rather than a file. */
export function isServerLocation(location: string): boolean {
  return schemeOf(location) !== undefined;
}

function schemeOf(location: string): string | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
  return match ? match[1]!.toLowerCase() + ':' : undefined;
}

/**
 * Whether a database at `location` may be opened now; false while a file path names nothing yet,
 * which a writer may still create. A URL names a server, which answers for itself when opened.
 */
export async function databaseExists(location: string): Promise<boolean> {
  if (schemeOf(location) !== undefined) return true;
  return (await import('./sqlite/connection.js')).databaseCreated(location);
}

/** Opens the store that `location` names: a `scheme://` URL, or else a SQLite file path. */
export async function openStore(location: string, options: StoreOptions = {}): Promise<Store> {
  const scheme = schemeOf(location);
  if (scheme === undefined) return (await SQLITE())(location, options);
  const opener = SCHEMES[scheme];
  if (opener === undefined) {
    throw new StoreError('bad-location', `cannot open ${scheme}// database: rcache does not know the scheme ${scheme}//; give a file path or a postgres:// URL`);
  }
  return (await opener())(location, options);
}
