import uPlot from 'uplot';
import type { Run } from './types.js';

const SERIES: { key: 'added' | 'updated' | 'deleted' | 'unchanged' | 'rejected'; label: string; color: string }[] = [
  { key: 'added', label: 'Added', color: '#2e9d4f' },
  { key: 'updated', label: 'Updated', color: '#2f6fd1' },
  { key: 'deleted', label: 'Deleted', color: '#d1462f' },
  { key: 'unchanged', label: 'Unchanged', color: '#8a8f98' },
  { key: 'rejected', label: 'Rejected', color: '#c58a00' },
];

let chart: uPlot | undefined;
let observer: ResizeObserver | undefined;

/** The run history over time: records per run on the left axis, run duration on the right. */
export function drawChart(holder: HTMLElement, newestFirst: Run[]): void {
  const runs = [...newestFirst].reverse();
  const data: uPlot.AlignedData = [
    runs.map((run) => Date.parse(run.started_at) / 1000),
    ...SERIES.map((series) => runs.map((run) => run[series.key])),
    runs.map((run) => (Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000),
  ];
  const text = getComputedStyle(holder).color;
  const grid = { stroke: 'rgba(128,128,128,0.2)' };
  const options: uPlot.Options = {
    width: Math.max(280, holder.clientWidth),
    height: 260,
    series: [
      {},
      ...SERIES.map((series) => ({ label: series.label, stroke: series.color, width: 2, points: { show: true, size: 5 } })),
      { label: 'Duration (s)', stroke: text, dash: [4, 4], width: 1, scale: 's', value: (_: uPlot, v: number | null) => (v === null ? '—' : `${v.toFixed(2)} s`) },
    ],
    axes: [
      { stroke: text, grid },
      { stroke: text, grid, label: 'records' },
      { stroke: text, side: 1, scale: 's', grid: { show: false }, label: 'seconds' },
    ],
    scales: { x: { time: true } },
  };
  chart?.destroy();
  observer?.disconnect();
  holder.replaceChildren();
  chart = new uPlot(options, data, holder);
  observer = new ResizeObserver(() => chart?.setSize({ width: Math.max(280, holder.clientWidth), height: 260 }));
  observer.observe(holder);
}
