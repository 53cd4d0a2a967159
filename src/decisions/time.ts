import { InvalidArgumentError } from '../errors.js';

/** A point in time given as ISO 8601 text, in milliseconds since the epoch. */
export function parseTimestamp(text: string, what?: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`'${text}' is not an ISO 8601 timestamp (e.g. 2024-01-15T10:00:00Z)`, what);
  return ms;
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
