import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordsCache } from './cache.js';

export interface WaitOptions {
  /** How often to look, in milliseconds. */
  interval: number;
  /** Stops the wait early. */
  signal?: AbortSignal;
  /** Looked at on every check; true stops the wait (e.g. the reader of the output went away). */
  stop?: () => boolean;
}

/** Why a wait for a commit ended. */
export type WaitResult = 'committed' | 'aborted' | 'stopped' | 'replaced';

/**
 * Waits until another process commits after `since` (a commit version taken before the last read),
 * so that a commit made while the caller was busy is never waited past. Ends early, saying why,
 * when aborted, stopped, or when the database file was deleted or replaced.
 */
export async function waitForCommit(cache: RecordsCache, since: number, options: WaitOptions): Promise<WaitResult> {
  for (;;) {
    if (options.signal?.aborted) return 'aborted';
    if (cache.fileReplaced()) return 'replaced';
    if (cache.commitVersion() !== since) return 'committed';
    if (options.stop?.()) return 'stopped';
    try {
      await sleep(options.interval, undefined, { signal: options.signal });
    } catch {
      return 'aborted';
    }
  }
}
