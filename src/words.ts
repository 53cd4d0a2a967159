/** A count for people, with thousands separators: `202,391`. Machine output (`--json`) keeps plain numbers. */
export function count(value: number): string {
  // The first toLocaleString of a process loads ICU's number formats (tens of milliseconds),
  // more than a small run takes: whole numbers, which counts are, are grouped by hand.
  if (!Number.isSafeInteger(value)) return value.toLocaleString('en');
  return String(value).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** `1 dataset`, `2 datasets`, `1,250 records`; `shown` is the count as it is printed. */
export function plural(value: number, noun: string, shown = count(value)): string {
  return `${shown} ${noun}${value === 1 ? '' : 's'}`;
}

/** What share `part` is of `whole`, as a percentage to one decimal that never rounds to 0% or 100% when it is not. */
export function percent(part: number, whole: number): string {
  if (whole === 0 || part === 0) return '0%';
  const share = Math.round((part * 1000) / whole) / 10;
  if (share === 0) return '<0.1%';
  if (share === 100 && part < whole) return '>99.9%';
  return `${share}%`;
}
