// How a postgres:// URL becomes the client's settings: sslmode as libpq means it, without the
// driver's warning, and a password looked up only when the server asks for one.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { clientConfig } from '../src/stores/postgres/client-config.js';
import { parseLocation } from '../src/stores/postgres/location.js';
import { StoreError } from '../src/stores/store.js';

const BASE = 'postgres://me@db.example/sync';

function configOf(url: string): ReturnType<typeof clientConfig> {
  return clientConfig(parseLocation(url)!, { application_name: 'rcache' });
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('sslmode', () => {
  const cases: { query: string; env?: string; ssl: unknown }[] = [
    { query: '', ssl: undefined },
    { query: '?sslmode=disable', ssl: false },
    { query: '?sslmode=prefer', ssl: { rejectUnauthorized: false } },
    { query: '?sslmode=require', ssl: { rejectUnauthorized: false } },
    { query: '?sslmode=no-verify', ssl: { rejectUnauthorized: false } },
    { query: '?sslmode=require&uselibpqcompat=true', ssl: { rejectUnauthorized: false } },
    { query: '?sslmode=verify-full', ssl: {} },
    { query: '', env: 'require', ssl: { rejectUnauthorized: false } },
    { query: '', env: 'verify-full', ssl: {} },
    { query: '?sslmode=disable', env: 'require', ssl: false },
  ];
  for (const { query, env, ssl } of cases) {
    test(`${query || 'no sslmode'}${env ? ` with PGSSLMODE=${env}` : ''}: ssl ${JSON.stringify(ssl)}, and no warning`, () => {
      vi.stubEnv('PGSSLMODE', env ?? '');
      const warn = vi.spyOn(process, 'emitWarning');
      const config = configOf(`${BASE}${query}`);
      expect(config.ssl).toEqual(ssl);
      expect(config).toMatchObject({ host: 'db.example', user: 'me', database: 'sync', application_name: 'rcache' });
      expect(warn).not.toHaveBeenCalled();
    });
  }

  test('a value libpq does not know, or verify-ca without a root certificate, is refused by name', () => {
    expect(() => configOf(`${BASE}?sslmode=always`)).toThrow(/sslmode always is not one of/);
    expect(() => configOf(`${BASE}?sslmode=verify-ca`)).toThrow(/sslmode verify-ca needs sslrootcert/);
    expect(() => configOf(`${BASE}?sslmode=require&sslrootcert=/nonexistent/root.crt`)).toThrow(StoreError);
  });
});

describe('password', () => {
  const passwordOf = (url: string) => (configOf(url).password as () => Promise<string>)();

  test("the URL's, else PGPASSWORD's; with neither (nor a password file), a refusal naming what is missing", async () => {
    vi.stubEnv('PGPASSWORD', '');
    vi.stubEnv('PGPASSFILE', '/nonexistent/pgpass');
    expect(await passwordOf('postgres://me:s%40cret@db.example/sync')).toBe('s@cret');
    await expect(passwordOf(BASE)).rejects.toThrow(
      'cannot connect to PostgreSQL at postgres://me@db.example/sync: the server asks for a password and the URL gives none',
    );
    vi.stubEnv('PGPASSWORD', 'from-env');
    expect(await passwordOf(BASE)).toBe('from-env');
  });
});
