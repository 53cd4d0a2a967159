import { topLevelMembers } from './json-text.js';

/*
 * `--version-field PATH`: a record whose value at PATH is lower than the stored record's is left
 * alone. Versions are read from the JSON text, so numbers compare by their exact decimal value
 * (`10` above `9.5`, and beyond double precision); ISO 8601 times compare as instants (a time
 * without an offset is taken as UTC); other strings compare as strings, by UTF-16 code units.
 */

export type Version =
  | { kind: 'number'; sign: -1 | 0 | 1; magnitude: number; digits: string }
  | { kind: 'time'; ms: number; fraction: string }
  | { kind: 'string'; text: string };

const KIND_NAMES = { number: 'a number', time: 'a time', string: 'a string' } as const;

/** The parts of a dotted path, or undefined when one is empty. */
export function versionPath(path: string): string[] | undefined {
  const parts = path.split('.');
  return path !== '' && parts.every((part) => part !== '') ? parts : undefined;
}

/** The JSON text of the value at `path` in a record's (valid) JSON text, or undefined when there is none. */
export function valueText(text: string, path: readonly string[]): string | undefined {
  let from = 0;
  for (let i = 0; ; i++) {
    while (text.charCodeAt(from) <= 0x20) from++;
    if (text.charCodeAt(from) !== 0x7b) return undefined;
    // The last member of a name wins, as in JSON.parse.
    const member = topLevelMembers(text, from).findLast((m) => m.key === path[i]);
    if (member === undefined) return undefined;
    if (i === path.length - 1) return text.slice(member.valueStart, member.end);
    from = member.valueStart;
  }
}

/** The version a value's JSON text holds, or why it holds none. */
export function versionOf(token: string | undefined, path: readonly string[]): Version | string {
  const name = `"${path.join('.')}"`;
  if (token === undefined) return `no version: the record has no ${name}`;
  const first = token.charCodeAt(0);
  if (first === 0x22) {
    const text = JSON.parse(token) as string;
    return isoTime(text) ?? { kind: 'string', text };
  }
  if (first === 0x2d || (first >= 0x30 && first <= 0x39)) return decimal(token);
  return `no version: ${name} is ${token.length > 20 ? token.slice(0, 20) + '…' : token}, not a number, a time or a string`;
}

/** -1, 0 or 1 as `a` is lower than, equal to or higher than `b`; undefined when they are of different kinds. */
export function compareVersions(a: Version, b: Version): -1 | 0 | 1 | undefined {
  if (a.kind !== b.kind) return undefined;
  if (a.kind === 'string') return order(a.text, (b as typeof a).text);
  if (a.kind === 'time') {
    const other = b as typeof a;
    return a.ms !== other.ms ? order(a.ms, other.ms) : orderDigits(a.fraction, other.fraction);
  }
  const other = b as typeof a;
  if (a.sign !== other.sign) return order(a.sign, other.sign);
  if (a.sign === 0) return 0;
  const byMagnitude = a.magnitude !== other.magnitude ? order(a.magnitude, other.magnitude) : orderDigits(a.digits, other.digits);
  return a.sign > 0 ? byMagnitude : (-byMagnitude as -1 | 0 | 1);
}

/** Why two versions cannot be compared, for the line that holds `line`. */
function incomparable(line: Version, stored: Version, path: readonly string[]): string {
  return `the version "${path.join('.')}" is ${KIND_NAMES[line.kind]}, and the stored record's is ${KIND_NAMES[stored.kind]}: they cannot be compared`;
}

/**
 * How a record's version (the JSON text of a usable one) compares with its stored record's: below
 * 0 when lower. A stored record without a usable version counts as lower; versions of different
 * kinds cannot be compared: the reason is returned instead.
 */
export function versionOrder(line: string, stored: string | undefined, path: readonly string[]): number | string {
  const storedVersion = versionOf(stored, path);
  if (typeof storedVersion === 'string') return 1;
  const version = versionOf(line, path) as Version;
  return compareVersions(version, storedVersion) ?? incomparable(version, storedVersion, path);
}

function order<T extends number | string>(a: T, b: T): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Digit strings as the digits after a decimal point: a missing digit is a 0. */
function orderDigits(a: string, b: string): -1 | 0 | 1 {
  const length = Math.max(a.length, b.length);
  return order(a.padEnd(length, '0'), b.padEnd(length, '0'));
}

/** A JSON number as sign, significant digits and the power of ten of the first of them. */
function decimal(token: string): Version {
  const [, sign, whole, fraction = '', exponent = '0'] = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token)!;
  const all = whole! + fraction;
  const first = all.search(/[1-9]/);
  if (first === -1) return { kind: 'number', sign: 0, magnitude: 0, digits: '' };
  return { kind: 'number', sign: sign === '-' ? -1 : 1, magnitude: whole!.length - first + Number(exponent), digits: all.slice(first).replace(/0+$/, '') };
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** An ISO 8601 date or date-time as an instant, with digits beyond the millisecond kept for ties. */
function isoTime(text: string): Version | undefined {
  const match = ISO_TIME.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 24 || mi > 59 || s > 60) return undefined;
  if (h === 24 && (mi !== 0 || s !== 0 || /[1-9]/.test(fraction))) return undefined;
  let offset = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    offset = (zone.startsWith('-') ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  const ms = date.getTime() + ((h * 60 + mi) * 60 + s) * 1000 + Number(fraction.slice(0, 3).padEnd(3, '0')) - offset;
  return { kind: 'time', ms, fraction: fraction.slice(3).replace(/0+$/, '') };
}
