import { IgnoreFields } from './canonical.js';
import { prepareRecord } from './record.js';

const WHOLE_PAYLOAD = new IgnoreFields();

/** The hash a record stands for when its stored hash is DEFERRED_HASH: that of its payload, nothing ignored. */
export function storedPayloadHash(payload: string): string {
  return prepareRecord(payload, WHOLE_PAYLOAD).hash!;
}
