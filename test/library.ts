import { join } from 'node:path';
import { ChangeReader, DeleteRun, IgnoreFields, SaveRun, openCache, prepareRecord, type Change, type Dataset, type RecordsCache } from '../src/index.js';
import { tempDir } from './helpers.js';

export const CONTACTS: Dataset = { integration: 'default', connection: 'default', model: 'Contact' };

/** A cache in a fresh temporary file. */
export function freshCache(): RecordsCache {
  return openCache(join(tempDir(), 'cache.db'));
}

export function save(cache: RecordsCache, records: unknown[], ignore: string[] = [], dataset = CONTACTS) {
  const run = new SaveRun(cache, dataset);
  const fields = new IgnoreFields(ignore);
  // As `rcache save` does: a new record's hash is deferred until something is compared with it.
  run.write(records.map((record) => prepareRecord(typeof record === 'string' ? record : JSON.stringify(record), fields, { deferHash: true })));
  return run.commit();
}

export function remove(cache: RecordsCache, ids: string[], dataset = CONTACTS) {
  const run = new DeleteRun(cache, dataset);
  run.write(ids);
  return run.commit();
}

export function changes(cache: RecordsCache, after = 0, dataset = CONTACTS): Change[] {
  return new ChangeReader(cache, dataset, { after }).next(1_000_000);
}

export function stored(cache: RecordsCache, id: string) {
  return cache.db.prepare('SELECT * FROM records WHERE id = ?').get(id) as Record<string, any> | undefined;
}
