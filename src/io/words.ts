/** `1 dataset`, `2 datasets`, `0 datasets`; `shown` is the count as it is printed (`1,250 records`). */
export function plural(count: number, noun: string, shown = String(count)): string {
  return `${shown} ${noun}${count === 1 ? '' : 's'}`;
}
