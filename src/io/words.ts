/** A count for people, with thousands separators: `202,391`. Machine output (`--json`) keeps plain numbers. */
export function count(value: number): string {
  return value.toLocaleString('en');
}

/** `1 dataset`, `2 datasets`, `1,250 records`; `shown` is the count as it is printed. */
export function plural(value: number, noun: string, shown = count(value)): string {
  return `${shown} ${noun}${value === 1 ? '' : 's'}`;
}
