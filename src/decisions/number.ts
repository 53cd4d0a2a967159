/**
 * A whole number written in decimal digits alone, from `min` to `max`; undefined for anything else
 * (a sign, a point, an exponent, white space, more than a double holds exactly).
 */
export function wholeNumber(text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}
