import type { Change, ChangeBytes } from './store.js';

/** Changes read as text, with their payloads encoded as bytes: for a store that reads text only. */
export function changesAsBytes(changes: Change[]): ChangeBytes[] {
  return changes.map(({ payload, ...change }) => {
    const bytes = payload === null ? null : Buffer.from(payload);
    return { ...change, bytes, start: 0, end: bytes?.length ?? 0 };
  });
}
