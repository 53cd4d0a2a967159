import { InvalidArgumentError } from '../errors.js';
import { nestedDeeperThan, parseExact, stringifyOrdered } from './json-text.js';

/** A checkpoint's JSON text is at most this many bytes (UTF-8): it is state to resume from, not data. */
export const MAX_CHECKPOINT_BYTES = 64 * 1024;
const MAX_DEPTH = 1000;

function refuse(reason: string): InvalidArgumentError {
  return new InvalidArgumentError(reason, 'checkpoint', ' ');
}

const tooDeep = () => refuse(`is nested more than ${MAX_DEPTH} levels deep`);

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object of another kind' : `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * The compact JSON text a checkpoint is stored as: of a plain object, or of the JSON text of an
 * object, whose key order and number digits are kept. Anything else is refused, as is a text of
 * more than 64 KiB.
 */
export function checkpointText(value: unknown): string {
  let text: string;
  if (typeof value === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw refuse(`is not valid JSON (${(error as Error).message})`);
    }
    if (!isPlainObject(parsed)) throw refuse(`must be a JSON object, not ${kindOf(parsed)}`);
    if (nestedDeeperThan(value, MAX_DEPTH)) throw tooDeep();
    text = stringifyOrdered(parseExact(value, true));
  } else {
    if (!isPlainObject(value)) throw refuse(`must be a plain object (or the JSON text of one), not ${kindOf(value)}`);
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw refuse(`cannot be written as JSON (${(error as Error).message})`);
    }
    if (nestedDeeperThan(text, MAX_DEPTH)) throw tooDeep();
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_CHECKPOINT_BYTES) {
    throw refuse(`must be at most 64 KiB of JSON text, not ${bytes} bytes: keep large state elsewhere and checkpoint a reference to it`);
  }
  return text;
}

/** A version a checkpoint write expects: a whole number of 0 or more (0: none was ever written). */
export function checkExpectVersion(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(
      `must be a whole number of 0 or more, not ${typeof value === 'string' ? `'${value}'` : String(value)}`,
      'expectVersion',
      ' ',
    );
  }
  return value;
}
