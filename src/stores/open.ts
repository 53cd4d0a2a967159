import { InvalidArgumentError } from '../errors.js';
import { parseLocation, unparsable } from './postgres/location.js';
import { StoreError, type Store, type StoreOptions } from './store.js';

/** Opens a store of one kind at a location whose scheme selects it. */
export type StoreOpener = (location: string, options: StoreOptions) => Promise<Store>;

/** Openers by URL scheme, written as URL.protocol writes it: `{ 'memory:': openMemoryStore }`. */
export type StoreOpeners = Readonly<Record<string, StoreOpener>>;

/** rcache's own kinds of store, by the schemes that select them, loaded only when a location of that kind is given. A file path (no scheme) is SQLite. */
const POSTGRES = async (): Promise<StoreOpener> => (await import('./postgres/postgres-store.js')).openPostgresStore;
const SCHEMES: Record<string, () => Promise<StoreOpener>> = {
  'postgres:': POSTGRES,
  'postgresql:': POSTGRES,
};

const SQLITE = async (): Promise<StoreOpener> => (await import('./sqlite/sqlite-store.js')).openSqliteStore;

const SCHEME = /^[a-z][a-z0-9+.-]*:$/i;

/** A location as rcache prints it: a URL loses its password (and any other secret in it). */
export function displayLocation(location: string): string {
  if (schemeOf(location) === undefined) return location;
  return parseLocation(location)?.safe ?? unparsable(location);
}

/** Whether `location` names a database on a server (a URL) rather than a file. */
export function isServerLocation(location: string): boolean {
  return schemeOf(location) !== undefined;
}

/** The scheme of a `scheme://` URL, or of a location starting with a scheme a program registered. */
function schemeOf(location: string, registered: StoreOpeners = {}): string | undefined {
  const lower = location.toLowerCase();
  const own = Object.keys(registered).find((scheme) => lower.startsWith(scheme.toLowerCase()));
  if (own !== undefined) return own;
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
  return match ? match[1]!.toLowerCase() + ':' : undefined;
}

function checkOpeners(stores: StoreOpeners): void {
  if (typeof stores !== 'object' || stores === null) throw new InvalidArgumentError('must be an object of store openers by URL scheme', 'stores');
  for (const [scheme, opener] of Object.entries(stores)) {
    if (!SCHEME.test(scheme)) throw new InvalidArgumentError(`"${scheme}" is not a URL scheme as URL.protocol writes it, such as "memory:"`, 'stores');
    if (typeof opener !== 'function') throw new InvalidArgumentError(`the opener of ${scheme} is not a function`, 'stores');
  }
}

/**
 * Whether a database at `location` may be opened now; false while a file path names nothing yet,
 * which a writer may still create. A URL names a server, which answers for itself when opened.
 */
export async function databaseExists(location: string): Promise<boolean> {
  if (schemeOf(location) !== undefined) return true;
  return (await import('./sqlite/connection.js')).databaseCreated(location);
}

/**
 * Opens the store that `location` names: a location with a scheme of `stores` (a program's own
 * stores, which may also take the place of rcache's), a `scheme://` URL of rcache's, or else a
 * SQLite file path.
 */
export async function openStore(location: string, options: StoreOptions = {}, stores: StoreOpeners = {}): Promise<Store> {
  checkOpeners(stores);
  const scheme = schemeOf(location, stores);
  const opener = scheme === undefined ? await SQLITE() : (stores[scheme] ?? (await SCHEMES[scheme]?.()));
  if (opener === undefined) {
    const own = Object.keys(stores)
      .map((name) => `, a ${name} location`)
      .join('');
    throw new StoreError(
      'bad-location',
      `cannot open ${scheme}// database: rcache does not know the scheme ${scheme}//; give a file path${own} or a postgres:// URL`,
    );
  }
  return opener(location, options);
}
