import { StoreError, type StoreFailure } from '../store.js';

interface DriverError {
  code?: string;
  message?: string;
}

const LOST = /Connection terminated|connection error|not queryable|ECONNRESET|EPIPE|socket hang up/i;
const NO_SSL = /does not support SSL/i;

function kindOf(code: string, message: string): StoreFailure {
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOENT':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ECONNRESET':
    case 'EPIPE':
    case '28P01': // wrong password
    case '28000': // no entry in pg_hba.conf, or no such role
    case '53300': // too many connections
    case '57P01': // the server is shutting down, or the backend was terminated
    case '57P02':
    case '57P03': // the server is starting up
    case '08000':
    case '08003':
    case '08006':
      return 'cannot-connect';
    case '3D000':
      return 'missing';
    case '55P03':
      return 'busy';
    case '53100':
      return 'full';
    case '25006':
      return 'read-only';
    default:
      return LOST.test(message) || NO_SSL.test(message) ? 'cannot-connect' : 'failed';
  }
}

function describe(code: string, message: string, where: string): string {
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOENT':
      return `cannot connect to PostgreSQL at ${where}: no server is listening there (is it running?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot connect to PostgreSQL at ${where}: unknown host`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot connect to PostgreSQL at ${where}: the server cannot be reached`;
    case '28P01':
    case '28000':
    case '53300':
    case '57P03':
      return `cannot connect to PostgreSQL at ${where}: ${message}`;
    case '3D000':
      return `no database at ${where}: ${message} (create it first, e.g. with createdb)`;
    case '57P01':
    case '57P02':
      return `lost the connection to PostgreSQL at ${where}: the server ended it (${message})`;
    case '53100':
      return `PostgreSQL at ${where} is out of disk space: ${message}`;
    case '25006':
      return `PostgreSQL at ${where} is read-only (a standby?): ${message}`;
    default:
      if (/timeout expired/i.test(message)) return `cannot connect to PostgreSQL at ${where}: no answer from the server`;
      if (LOST.test(message)) return `lost the connection to PostgreSQL at ${where}`;
      if (NO_SSL.test(message)) return `cannot connect to PostgreSQL at ${where}: the server does not support SSL connections, which sslmode asks for`;
      return `PostgreSQL at ${where}: ${message}`;
  }
}

/**
 * A driver or server error in rcache's terms. `where` is the URL without its password; the
 * driver's own message never holds a password either (the server never repeats one).
 */
export function storeError(error: unknown, where: string): StoreError {
  if (error instanceof StoreError) return error;
  const { code = '', message = String(error) } = (error ?? {}) as DriverError;
  const oneLine = message.split('\n')[0]!;
  return new StoreError(kindOf(code, oneLine), describe(code, oneLine, where), { cause: error });
}
