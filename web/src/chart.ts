import uPlot from 'uplot';
import { h, replace } from './dom.js';
import { count, duration } from './format.js';
import type { Run } from './types.js';

type Counted = 'added' | 'updated' | 'deleted' | 'pruned' | 'rejected';

/** What a run did to records, bottom to top of its bar. */
const CHANGES: { key: Counted; label: string; color: string }[] = [
  { key: 'added', label: 'Added', color: '#2e9d4f' },
  { key: 'updated', label: 'Updated', color: '#2f6fd1' },
  { key: 'deleted', label: 'Deleted', color: '#d1462f' },
  { key: 'pruned', label: 'Pruned', color: '#8e6bbf' },
  { key: 'rejected', label: 'Rejected', color: '#c58a00' },
];
const UNCHANGED = { label: 'Unchanged', color: '#8a8f98' };
const HEIGHT = 260;

let chart: uPlot | undefined;
let observer: ResizeObserver | undefined;

const compact = new Intl.NumberFormat(undefined, { notation: 'compact' });
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** A count as the height of a bar: logarithmic, and zero at zero. */
const lift = (value: number) => Math.log10(1 + value);

/** The space an axis needs for its widest tick value, so that no value runs into the plot or off the edge. */
function axisSize(u: uPlot, values: string[] | null, axisIdx: number, cycle: number): number {
  const axis = u.axes[axisIdx]!;
  if (cycle > 1) return (axis as { _size?: number })._size ?? 50;
  const widest = (values ?? []).reduce((longest, value) => (value.length > longest.length ? value : longest), '');
  u.ctx.font = axis.font![0] as string;
  return Math.ceil(axis.ticks!.size! + axis.gap! + u.ctx.measureText(widest).width / devicePixelRatio);
}

/** The tops of each run's parts: a bar as high as its total's logarithm, split in proportion to its counts. */
function stack(runs: Run[]): number[][] {
  return CHANGES.map((_, part) =>
    runs.map((run) => {
      const counts = CHANGES.map(({ key }) => run[key]);
      const total = counts.reduce((sum, value) => sum + value, 0);
      const upTo = counts.slice(0, part + 1).reduce((sum, value) => sum + value, 0);
      return total === 0 ? 0 : (lift(total) * upTo) / total;
    }),
  );
}

/**
 * The run history, one column per run, oldest on the left. What each run changed is a bar whose
 * height is logarithmic in its total (so that a few thousand updates stay readable beside an
 * initial load of hundreds of thousands), split in proportion to its counts; the records it found
 * unchanged are a mark on a linear scale of their own, on the right. Columns are evenly spaced
 * whatever the time between runs; the axis names their times, and hovering a column shows its
 * exact time, kind, duration and counts.
 */
export function drawChart(holder: HTMLElement, newestFirst: Run[]): void {
  const runs = [...newestFirst].reverse();
  const tops = stack(runs);
  const data: uPlot.AlignedData = [runs.map((_, i) => i), ...tops, runs.map((run) => run.unchanged)];
  const highest = Math.max(lift(10), ...tops[tops.length - 1]!);
  const decades = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9].filter((value) => lift(value) <= highest);
  const exact = (key: Counted | 'unchanged') => (_u: uPlot, _v: number | null, _s: number, i: number | null) =>
    i === null || runs[i] === undefined ? '–' : count(runs[i]![key]);
  const started = (i: number) => Date.parse(runs[i]!.started_at);
  const sameDay = runs.length === 0 || new Date(started(0)).toDateString() === new Date(started(runs.length - 1)).toDateString();
  const tick = (i: number) => (sameDay ? clock.format(started(i)) : `${day.format(started(i))} ${clock.format(started(i))}`);
  const text = getComputedStyle(holder).color;
  const bars = uPlot.paths.bars!({ size: [0.7, 48], align: 0 });
  const options: uPlot.Options = {
    width: Math.max(280, holder.clientWidth),
    height: HEIGHT,
    cursor: { y: false, points: { show: false } },
    series: [
      {
        label: 'Run',
        value: (_u, i) => {
          const run = i === null ? undefined : runs[i];
          if (run === undefined) return '–';
          return `${new Date(run.started_at).toLocaleString()} · ${run.kind} · ${duration(Date.parse(run.finished_at) - Date.parse(run.started_at))}`;
        },
      },
      ...CHANGES.map((series) => ({
        label: series.label,
        stroke: series.color,
        fill: series.color,
        width: 0,
        scale: 'changes',
        paths: bars,
        points: { show: false },
        value: exact(series.key),
      })),
      {
        label: UNCHANGED.label,
        stroke: UNCHANGED.color,
        scale: 'unchanged',
        paths: () => null,
        points: { show: true, size: 7, width: 0, fill: UNCHANGED.color },
        value: exact('unchanged'),
      },
    ],
    // Each part of a bar stands on the part below it.
    bands: CHANGES.slice(1).map((_, i) => ({ series: [i + 2, i + 1] as [number, number] })),
    scales: {
      x: { time: false, range: () => [-0.5, runs.length - 0.5] },
      changes: { range: () => [0, highest * 1.05] },
      unchanged: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.08] },
    },
    axes: [
      {
        stroke: text,
        grid: { show: false },
        incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
        space: sameDay ? 60 : 100,
        values: (_u, splits) => splits.map((i) => (Number.isInteger(i) && runs[i] ? tick(i) : '')),
      },
      {
        stroke: text,
        grid: { stroke: 'rgba(128,128,128,0.2)' },
        scale: 'changes',
        size: axisSize,
        splits: () => [0, ...decades.map(lift)],
        values: () => ['0', ...decades.map((value) => compact.format(value))],
      },
      { stroke: text, side: 1, scale: 'unchanged', grid: { show: false }, size: axisSize, values: (_u, splits) => splits.map((v) => compact.format(v)) },
    ],
  };
  chart?.destroy();
  observer?.disconnect();
  // The axes' titles stand above the plot, where no tick value can run into them.
  const titles = h(
    'div',
    { class: 'chart-titles' },
    h('span', { id: 'chart-changes-title' }, 'Changes per run (log scale)'),
    h('span', { id: 'chart-unchanged-title' }, '● Unchanged per run'),
  );
  const plot = h('div', {});
  replace(holder, titles, plot);
  chart = new uPlot(options, data, plot);
  observer = new ResizeObserver(() => chart?.setSize({ width: Math.max(280, holder.clientWidth), height: HEIGHT }));
  observer.observe(holder);
}
