import { StoreError } from '../../errors.js';

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A SQLite or file-system failure as one of rcache's store errors; StoreErrors pass through. */
export function translate(error: unknown, path: string, doing: 'open' | 'read' | 'write'): StoreError {
  if (error instanceof StoreError) return error;
  const code = String((error as { code?: unknown })?.code);
  const message = describe(error);
  const options = { cause: error };
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return new StoreError('full', `the disk is full (${message})`, options);
  if (code.startsWith('SQLITE_BUSY')) return new StoreError('busy', 'the database is locked by another process', options);
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || (doing !== 'read' && code.startsWith('SQLITE_CANTOPEN'))) {
    return new StoreError('read-only', `cannot write to ${path}: the file or its directory is read-only`, options);
  }
  if (code === 'SQLITE_NOTADB') return new StoreError('foreign', `${path} is not an rcache database (not a SQLite file)`, options);
  if (code === 'ENOENT') return new StoreError('missing', `cannot open database ${path}: ${message}`, options);
  if (code === 'EACCES' || code === 'EPERM') return new StoreError('read-only', `cannot ${doing} database ${path}: permission denied`, options);
  if (code.startsWith('SQLITE_')) return new StoreError('failed', `database error: ${message} (${code})`, options);
  return new StoreError('failed', `cannot ${doing === 'open' ? 'open' : 'use'} database ${path}: ${message}`, options);
}
