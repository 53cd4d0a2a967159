import { StoreError } from '../errors.js';
import type { Change, Store } from '../stores/store.js';
import { recordJson } from '../wire/records.js';
import type { ChangeReader } from './reader.js';
import type { CacheRecord } from './types.js';

// The reading loops of a Cache: changes() to the end of the stream, follow() beyond it.

/** How many changes a read asks its store for at once. */
const PAGE = 1000;

/** Up to `limit` changes of the reader, shaped as changes() yields them. */
export async function* changes(reader: ChangeReader, limit: number | undefined, text: boolean | undefined): AsyncGenerator<CacheRecord | string> {
  let left = limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const want = Math.min(PAGE, left);
    const page = await reader.next(want);
    for (const change of page) yield shaped(change, reader, text);
    left -= page.length;
    if (page.length < want) return;
  }
}

export interface FollowLoop {
  limit: number | undefined;
  text: boolean | undefined;
  interval: number | undefined;
  signal: AbortSignal | undefined;
}

/** The changes of the reader, then each new one as it is committed, until the signal aborts or the limit is reached. */
export async function* follow(
  store: Pick<Store, 'version' | 'waitForCommit'>,
  reader: ChangeReader,
  { limit, text, interval, signal }: FollowLoop,
): AsyncGenerator<CacheRecord | string> {
  let left = limit ?? Number.POSITIVE_INFINITY;
  while (left > 0 && !signal?.aborted) {
    // Taken before the read: a commit made while the page is consumed is not missed.
    const version = await store.version();
    for (;;) {
      const want = Math.min(PAGE, left);
      const page = await reader.next(want);
      for (const change of page) yield shaped(change, reader, text);
      left -= page.length;
      if (page.length < want || left === 0) break;
    }
    if (left === 0) return;
    const { reason } = await store.waitForCommit(version, { interval: interval ?? 1000, signal });
    if (reason === 'replaced') throw new StoreError('dataset-changed', 'the database was deleted or replaced while it was followed');
  }
}

/**
 * A change as changes() and follow() yield it: an object as Nango's API gives it, or, with `text`,
 * its JSON text, whose numbers keep the digits that JSON.parse would round.
 */
function shaped(change: Change, reader: ChangeReader, text: boolean | undefined): CacheRecord | string {
  const json = recordJson(change, reader.cursorOf(change.position));
  return text ? json : (JSON.parse(json) as CacheRecord);
}
