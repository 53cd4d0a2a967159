// Plain-text tables for the benchmark's results.

const seconds = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`;
const rate = (perSecond) => (perSecond === undefined ? '' : `${Math.round(perSecond / 1000)}k/s`);

export function table(headers, rows) {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) =>
    cells
      .map((cell, i) => String(cell).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
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

/**
 * Target checks over measured subjects: `ratio` compares two medians (a speed-up target is met
 * when the ratio is at most 1/speedup; `atRecords` applies a target only from that size on),
 * `absolute` records one value against its target. Both append to `targets`.
 */
export function checks(subjects, records) {
  const by = Object.fromEntries(subjects.map((s) => [s.id, s]));
  const targets = [];
  const ratio = (label, a, b, max, { atRecords, speedup } = {}) => {
    if (!by[a] || !by[b]) {
      targets.push({
        label,
        rcache: by[a]?.label,
        baseline: by[b]?.label ?? `${b.replace(/-save-fresh$/, '')} (not installed)`,
        value: 'skipped',
        target: '',
        status: 'skipped',
      });
      return;
    }
    const value = by[a].summary.ms.median / by[b].summary.ms.median;
    const applies = atRecords === undefined || records >= atRecords;
    targets.push({
      label,
      rcache: by[a].label,
      baseline: by[b].label,
      ratio: value,
      value: speedup ? `${(1 / value).toFixed(2)}× faster` : value.toFixed(2),
      target: (speedup ? `≥ ${speedup}× faster` : max === undefined ? '(info)' : `≤ ${max.toFixed(2)}`) + (atRecords ? ` at ${atRecords / 1e6}M` : ''),
      status: max === undefined ? '' : !applies ? `(${value <= max ? 'met' : 'not met'} here; set for ${atRecords / 1e6}M)` : value <= max ? 'met' : 'NOT MET',
      met: max === undefined || !applies ? undefined : value <= max,
    });
  };
  const absolute = (label, id, value, shown, target, met) => {
    if (!by[id]) return;
    targets.push({ label, rcache: by[id].label, value: shown, measured: value, target, status: met ? 'met' : 'NOT MET', met });
  };
  return { by, targets, ratio, absolute };
}
