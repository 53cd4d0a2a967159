/** `1 dataset`, `2 datasets`, `0 datasets`; `shown` is the count as it is printed (`1,250 records`). */
export function plural(count: number, noun: string, shown = String(count)): string {
  return `${shown} ${noun}${count === 1 ? '' : 's'}`;
}

/** What share `part` is of `whole`, as a percentage to one decimal that never rounds to 0% or 100% when it is not. */
export function percent(part: number, whole: number): string {
  if (whole === 0 || part === 0) return '0%';
  const share = Math.round((part * 1000) / whole) / 10;
  if (share === 0) return '<0.1%';
  if (share === 100 && part < whole) return '>99.9%';
  return `${share}%`;
}
