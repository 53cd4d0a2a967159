import type { Change, ChangeBytes } from './store.js';

/** Changes read as text, with their payloads encoded one after the other into one buffer: for a store that reads text only. */
export function changesAsBytes(changes: Change[]): ChangeBytes[] {
  let room = 0;
  for (const change of changes) room += 3 * (change.payload?.length ?? 0);
  const bytes = Buffer.allocUnsafe(room);
  let at = 0;
  return changes.map(({ payload, ...change }) => {
    const start = at;
    if (payload !== null) at += bytes.write(payload, at);
    return { ...change, bytes: payload === null ? null : bytes, start, end: at };
  });
}
