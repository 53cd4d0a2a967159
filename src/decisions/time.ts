import { InvalidArgumentError } from '../errors.js';

/*
 * YYYY-MM-DD, then optionally a time (T, t or a space; hh:mm, :ss, .fraction) and an offset
 * (Z, ±hh:mm, ±hhmm or ±hh). A date alone is midnight UTC; a time without an offset is local time.
 */
const ISO =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})(?:[Tt ](?<hour>\d{2}):(?<minute>\d{2})(?::(?<second>\d{2})(?:\.(?<fraction>\d+))?)?(?<zone>[Zz]|(?<sign>[+-])(?<offsetHours>\d{2})(?::?(?<offsetMinutes>\d{2}))?)?)?$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

type Parts = Partial<Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'fraction' | 'zone' | 'sign' | 'offsetHours' | 'offsetMinutes', string>>;

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Why well-formed parts name no moment (February 30, 24:00, an offset of +25:00), or undefined when they do. */
function impossible(parts: Parts): string | undefined {
  const number = (part: string | undefined) => Number(part ?? 0);
  const year = number(parts.year);
  const month = number(parts.month);
  if (month < 1 || month > 12) return 'the month must be 01 to 12';
  const days = daysIn(year, month);
  if (number(parts.day) < 1 || number(parts.day) > days) return `${MONTHS[month - 1]} ${year} has ${days} days`;
  if (number(parts.hour) > 23) return 'the hour must be 00 to 23';
  if (number(parts.minute) > 59) return 'the minutes must be 00 to 59';
  if (number(parts.second) > 59) return 'the seconds must be 00 to 59';
  if (number(parts.offsetHours) > 23 || number(parts.offsetMinutes) > 59) return 'the offset must be within ±23:59';
  return undefined;
}

/** A point in time given as ISO 8601 text, in milliseconds since the epoch; a date or time that does not exist is refused. */
export function parseTimestamp(text: string, what?: string): number {
  const parts = ISO.exec(text)?.groups as Parts | undefined;
  if (!parts) throw new InvalidArgumentError(`'${text}' is not an ISO 8601 timestamp (e.g. 2024-01-15 or 2024-01-15T10:00:00Z)`, what);
  const reason = impossible(parts);
  if (reason !== undefined) throw new InvalidArgumentError(`'${text}' is not a valid time: ${reason}`, what);
  const { year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone, sign, offsetHours, offsetMinutes = '00' } = parts;
  const offset = parts.hour === undefined || /^[Zz]$/.test(zone ?? '') ? 'Z' : zone === undefined ? '' : `${sign}${offsetHours}:${offsetMinutes}`;
  // The canonical form, which Date.parse reads exactly: local time when it has no offset.
  return Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${fraction.padEnd(3, '0').slice(0, 3)}${offset}`);
}

let lastMs = NaN;
let lastIso = '';

/** ISO 8601 text of a time; records of one run share their times, so the last one is remembered. */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  if (ms === null) return null;
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
