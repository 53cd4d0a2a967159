const numbers = new Intl.NumberFormat();

export function count(value: number): string {
  return numbers.format(value);
}

export function bytes(value: number): string {
  if (value < 1024) return `${value} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = value / 1024;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${scaled.toFixed(scaled < 10 ? 1 : 0)} ${units[unit]}`;
}

/** "3 min ago" for a time, against `now` (ms). */
export function ago(iso: string, now = Date.now()): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 0) return 'in the future';
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** A <time> showing "3 min ago", the exact time on hover; kept current by refreshTimes. */
export function time(iso: string | null): HTMLElement {
  const element = document.createElement('time');
  if (iso === null) {
    element.textContent = '—';
    return element;
  }
  element.dateTime = iso;
  element.title = `${new Date(iso).toLocaleString()} (${iso})`;
  element.textContent = ago(iso);
  element.dataset.relative = '';
  return element;
}

export function refreshTimes(): void {
  const now = Date.now();
  for (const element of document.querySelectorAll<HTMLTimeElement>('time[data-relative]')) element.textContent = ago(element.dateTime, now);
}

export function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** One argument for a POSIX shell: single-quoted unless it is plainly safe. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
