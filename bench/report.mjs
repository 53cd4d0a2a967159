// Plain-text tables for the benchmark's results.

const seconds = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`;
const rate = (perSecond) => (perSecond === undefined ? '' : `${Math.round(perSecond / 1000)}k/s`);

export function table(headers, rows) {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** One row per measured subject: median and spread of time, records/s, peak memory. */
export function measurementsTable(subjects) {
  return table(
    ['measurement', 'runs', 'median', 'min–max', 'records/s', 'max RSS (median, max)'],
    subjects.map((s) => [
      s.label,
      s.samples.length,
      seconds(s.summary.ms.median),
      `${seconds(s.summary.ms.min)}–${seconds(s.summary.ms.max)}`,
      rate(s.recordsPerSecond),
      `${mib(s.summary.maxRssKiB.median)}, ${mib(s.summary.maxRssKiB.max)}`,
    ]),
  );
}

/** One row per target: what was measured, the target, and whether it is met. */
export function targetsTable(targets) {
  return table(
    ['check', 'rcache', 'compared with', 'value', 'target', 'status'],
    targets.map((t) => [t.label, t.rcache ?? '', t.baseline ?? '', t.value, t.target, t.status]),
  );
}

export const format = { seconds, mib, rate };
