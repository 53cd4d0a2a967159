// Helpers over JSON text that JSON.parse has already accepted: they find where top-level members
// stand, so a payload can be kept byte for byte, and they parse numbers without losing digits.
// Given any other text they still end (at its end), with positions that mean nothing.

export interface Member {
  key: string;
  start: number;
  valueStart: number;
  end: number;
}

function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

function skipString(text: string, i: number): number {
  for (;;) {
    const close = text.indexOf('"', i + 1);
    if (close === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return close + 1;
    i = close;
  }
}

function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return skipString(text, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (;;) {
      if (i >= text.length) return i;
      const d = text.charCodeAt(i);
      if (d === 0x22) {
        i = skipString(text, i);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) return i + 1;
      i++;
    }
  }
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
    i++;
  }
  return i;
}

/** True when valid JSON text nests objects and arrays more than `max` levels deep (the outermost is level 1). */
export function nestedDeeperThan(text: string, max: number): boolean {
  // Each level takes an opening and a closing bracket.
  if (text.length <= 2 * max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = skipString(text, i) - 1;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

function readKey(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

/** The members of a JSON object's text (the one starting at `from`), in order, with their positions. */
export function topLevelMembers(text: string, from = 0): Member[] {
  const members: Member[] = [];
  let i = skipWhitespace(text, from) + 1;
  i = skipWhitespace(text, i);
  if (text.charCodeAt(i) === 0x7d) return members;
  for (;;) {
    const start = i;
    const keyEnd = skipString(text, i);
    const key = readKey(text, start, keyEnd);
    const valueStart = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1);
    const end = skipValue(text, valueStart);
    members.push({ key, start, valueStart, end });
    i = skipWhitespace(text, end);
    if (text.charCodeAt(i) !== 0x2c) return members;
    i = skipWhitespace(text, i + 1);
  }
}

/** Where the elements of a JSON array's text (the one starting at `from`) start and end. */
export function arrayElements(text: string, from = 0): [start: number, end: number][] {
  const elements: [number, number][] = [];
  let i = skipWhitespace(text, skipWhitespace(text, from) + 1);
  if (text.charCodeAt(i) === 0x5d) return elements;
  for (;;) {
    const end = skipValue(text, i);
    elements.push([i, end]);
    i = skipWhitespace(text, end);
    if (text.charCodeAt(i) !== 0x2c) return elements;
    i = skipWhitespace(text, i + 1);
  }
}

/** A JSON number kept as its text, for numbers a double cannot hold exactly. */
export class ExactNumber {
  constructor(readonly text: string) {}
}

/**
 * Parses valid JSON text like JSON.parse, but every number becomes an ExactNumber, and with
 * `ordered` every object becomes a Map, which keeps its keys in their written order.
 */
export function parseExact(text: string, ordered = false): unknown {
  let i = 0;
  const value = (): unknown => {
    i = skipWhitespace(text, i);
    const c = text.charCodeAt(i);
    if (c === 0x7b) {
      const map = ordered ? new Map<string, unknown>() : undefined;
      const object: Record<string, unknown> | undefined = ordered ? undefined : Object.create(null);
      const result = map ?? object;
      i = skipWhitespace(text, i + 1);
      if (text.charCodeAt(i) === 0x7d) {
        i++;
        return result;
      }
      for (;;) {
        i = skipWhitespace(text, i);
        const end = skipString(text, i);
        const key = readKey(text, i, end);
        i = skipWhitespace(text, end) + 1;
        if (map) map.set(key, value());
        else object![key] = value();
        i = skipWhitespace(text, i);
        if (text.charCodeAt(i++) === 0x7d) return result;
      }
    }
    if (c === 0x5b) {
      const array: unknown[] = [];
      i = skipWhitespace(text, i + 1);
      if (text.charCodeAt(i) === 0x5d) {
        i++;
        return array;
      }
      for (;;) {
        array.push(value());
        i = skipWhitespace(text, i);
        if (text.charCodeAt(i++) === 0x5d) return array;
      }
    }
    const start = i;
    i = skipValue(text, i);
    const token = text.slice(start, i);
    if (c === 0x22) return JSON.parse(token);
    if (c === 0x74) return true;
    if (c === 0x66) return false;
    if (c === 0x6e) return null;
    return new ExactNumber(token);
  };
  return value();
}

/** Compact JSON text of a value from parseExact(text, true): key order and number digits as parsed. */
export function stringifyOrdered(value: unknown): string {
  if (value instanceof ExactNumber) return value.text;
  if (value instanceof Map) {
    let out = '{';
    for (const [key, item] of value) out += (out.length > 1 ? ',' : '') + JSON.stringify(key) + ':' + stringifyOrdered(item);
    return out + '}';
  }
  if (Array.isArray(value)) return '[' + value.map(stringifyOrdered).join(',') + ']';
  return JSON.stringify(value);
}
