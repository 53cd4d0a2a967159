import { setTimeout as sleep } from 'node:timers/promises';
import type { WaitOptions, WaitResult } from '../store.js';
import { fileIdentity } from './location.js';

/**
 * Waits for commits to the file by looking at its version every `interval` ms: SQLite tells
 * other processes of nothing, and a check costs a read of one page.
 */
export class CommitWatch {
  /** The file opened, as device and inode. */
  private readonly opened: string | undefined;

  constructor(
    private readonly path: string,
    private readonly version: () => Promise<number>,
  ) {
    this.opened = fileIdentity(path);
  }

  async wait(version: number, options: WaitOptions): Promise<WaitResult> {
    for (;;) {
      if (options.signal?.aborted) return { reason: 'aborted', version };
      if (this.replaced()) return { reason: 'replaced', version };
      const current = await this.version();
      if (current !== version) return { reason: 'committed', version: current };
      if (options.stop?.()) return { reason: 'stopped', version };
      try {
        await sleep(options.interval, undefined, { signal: options.signal });
      } catch {
        return { reason: 'aborted', version };
      }
    }
  }

  /** Whether the file at the path is no longer the one opened (deleted, or another put in its place). */
  private replaced(): boolean {
    return this.opened !== undefined && fileIdentity(this.path) !== this.opened;
  }
}
