import { hash } from 'node:crypto';
import { ExactNumber } from './json-text.js';

// Lines that may hold a number a double cannot represent exactly (16 or more digits, or a
// three-digit exponent) are hashed from their text; all others through JSON.parse, which is faster.
export const MAY_LOSE_PRECISION = /[0-9][0-9.]{15}|[eE][+-]?[0-9]{3}/;

/** Records nested deeper than this are refused, so that every stored record can be merged and printed. */
export const MAX_DEPTH = 1000;

export const LEAF = true;
export type IgnoreNode = Map<string, IgnoreNode | typeof LEAF>;

/** Dotted field paths left out of the payload hash; arrays on the way are looked through. */
export class IgnoreFields {
  readonly root: IgnoreNode | undefined;
  /** The set of paths, in a form no JSON text starts with: mixed into raw hashes made with these fields left out. */
  readonly signature: string = '';
  /** The last key of each path as it is written in JSON text: a line holding none of them has nothing to leave out. */
  readonly leafKeys: readonly string[] = [];
  constructor(paths: readonly string[] = []) {
    if (paths.length === 0) return;
    this.signature = `\u0000${JSON.stringify([...new Set(paths)].sort())}\u0000`;
    this.leafKeys = [...new Set(paths.map((path) => JSON.stringify(path.split('.').at(-1))))];
    this.root = new Map();
    for (const path of paths) {
      const parts = path.split('.');
      let node = this.root;
      parts.forEach((part, index) => {
        if (index === parts.length - 1) {
          node.set(part, LEAF);
          return;
        }
        let child = node.get(part);
        if (child === LEAF) return;
        if (child === undefined) node.set(part, (child = new Map()));
        node = child;
      });
    }
  }
}

/**
 * The canonical text of a number: numbers are equal when their exact decimal values are equal
 * (`1`, `1.0`, `1e0`; `1234567890123456` and `1234567890123456.0`), never by what a double makes of
 * them. The text is the value's digits in JavaScript's own number notation, which is what
 * JSON.stringify prints wherever a double holds the value exactly; an integer of more than 15
 * significant digits is written out in full up to 100 digits.
 */
export function canonicalNumber(token: string): string {
  const mantissa = token
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '');
  const significant = mantissa.replace(/0+$/, '').length;
  const value = Number(token);
  if (significant <= 15 && Number.isFinite(value) && (value !== 0 || significant === 0)) return JSON.stringify(value);
  return exactNotation(token);
}

function exactNotation(token: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!match) return token;
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  const all = whole! + fraction;
  const stripped = all.replace(/^0+/, '');
  const digits = stripped.replace(/0+$/, '');
  if (digits === '') return '0';
  // The value is 0.<digits> × 10^point.
  const point = BigInt(whole!.length - (all.length - stripped.length)) + BigInt(exponent);
  const k = BigInt(digits.length);
  let text: string;
  // Integers keep all their digits (ids among them), up to a length that cannot flood the output.
  if (k <= point && (point <= 21n || (k > 15n && point <= 100n))) text = digits + '0'.repeat(Number(point - k));
  else if (0n < point && point <= 21n) text = `${digits.slice(0, Number(point))}.${digits.slice(Number(point))}`;
  else if (-6n < point && point <= 0n) text = `0.${'0'.repeat(Number(-point))}${digits}`;
  else {
    const power = point - 1n;
    text = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${power < 0n ? '-' : '+'}${power < 0n ? -power : power}`;
  }
  return sign + text;
}

function canonical(value: unknown, ignore: IgnoreNode | undefined, depth: number): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof ExactNumber) return canonicalNumber(value.text);
  if (depth > MAX_DEPTH) throw new RangeError(`record is nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonical(value[i], ignore, depth + 1);
    return out + ']';
  }
  return canonicalObject(value as Record<string, unknown>, ignore, undefined, depth);
}

function canonicalObject(object: Record<string, unknown>, ignore: IgnoreNode | undefined, id: string | undefined, depth: number): string {
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    let child: IgnoreNode | typeof LEAF | undefined;
    if (ignore !== undefined) {
      child = ignore.get(key);
      if (child === LEAF) continue;
    }
    let text: string;
    if (id !== undefined && key === 'id') text = JSON.stringify(id);
    else if (id !== undefined && key === '_nango_metadata') continue;
    else text = canonical(object[key], child as IgnoreNode | undefined, depth + 1);
    out += (out.length > 1 ? ',' : '') + JSON.stringify(key) + ':' + text;
  }
  return out + '}';
}

/** The hash that decides whether a record changed: key order, the id's type and ignored fields do not count. */
export function payloadHash(record: Record<string, unknown>, id: string, ignore: IgnoreFields): string {
  return digest(canonicalObject(record, ignore.root, id, 1));
}

export function digest(text: string): string {
  return hash('sha256', text, 'base64').slice(0, 22);
}
