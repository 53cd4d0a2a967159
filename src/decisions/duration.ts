import { InvalidArgumentError } from '../errors.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export const DAY = UNITS.d!;

/** A duration like `30d`, `12h`, `90m`, `45s` or `2w`, in milliseconds. */
export function parseDuration(text: string, what?: string): number {
  const match = /^(\d+)(s|m|h|d|w)$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`takes a duration like 30d, 12h, 90m or 45s, not '${text}'`, what, ' ');
  return Number(match[1]) * UNITS[match[2]!]!;
}
