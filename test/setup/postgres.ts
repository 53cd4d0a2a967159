// Starts a throwaway PostgreSQL cluster for the suite when the server programs are installed, and
// hands its URL to the tests in RCACHE_TEST_POSTGRES. A URL already in that variable is used as
// it is (a server of your own); `RCACHE_TEST_POSTGRES=skip` runs the SQLite half only.
import { findServer, startCluster } from '../../scripts/postgres-cluster.mjs';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.RCACHE_TEST_POSTGRES) return undefined;
  if (findServer() === undefined) {
    if (process.env.CI === 'true' || process.env.CI === '1') {
      throw new Error('PostgreSQL is not installed (no initdb/postgres found): CI must run the PostgreSQL half of the suite');
    }
    console.log('PostgreSQL half of the suite skipped: no PostgreSQL server programs found (apt-get install postgresql)');
    process.env.RCACHE_TEST_POSTGRES = 'skip';
    return undefined;
  }
  const cluster = await startCluster();
  process.env.RCACHE_TEST_POSTGRES = cluster.url;
  return () => cluster.stop();
}
