export interface Cluster {
  /** The cluster's `postgres` database, as the superuser `postgres`, over its unix socket. */
  url: string;
  socketDir: string;
  dataDir: string;
  bin: string;
  pid: number;
  /** The URL of another database of the cluster. */
  urlFor(database: string): string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** The folder holding `initdb` and `postgres`, or undefined when PostgreSQL is not installed. */
export function findServer(): string | undefined;

/** Starts a throwaway cluster; `durable` keeps fsync on (for benchmarks). */
export function startCluster(options?: { durable?: boolean; timeoutMs?: number }): Promise<Cluster>;
