import { api } from './api.js';
import { h, replace } from './dom.js';
import { count, duration, time } from './format.js';
import { datasetParams, type Dataset, type Run } from './types.js';

const RUN_ROWS = 10;
/** The runs a dataset's page keeps, newest first: the chart draws them all. */
const RUN_HISTORY = 1000;

/** The part of a dataset's page that shows its runs. */
export interface RunsView {
  dataset: Dataset;
  /** The latest runs, newest first. */
  runs: Run[];
  allRuns: boolean;
  elements: { chart: HTMLElement; runs: HTMLElement };
}

/** Reads the runs committed after the newest the page has (all of the latest, the first time). */
export async function loadRuns(current: RunsView): Promise<void> {
  const newest = current.runs[0]?.number;
  const { runs } = await api<{ runs: Run[] }>('/api/runs', { ...datasetParams(current.dataset), limit: String(RUN_HISTORY), after: newest?.toString() });
  current.runs = runs.length >= RUN_HISTORY ? runs : [...runs, ...current.runs].slice(0, RUN_HISTORY);
}

function runRow(run: Run): HTMLTableRowElement {
  const took = Date.parse(run.finished_at) - Date.parse(run.started_at);
  const numbers = (['added', 'updated', 'deleted', 'unchanged', 'rejected', 'pruned'] as const).map((key) => h('td', { class: 'num' }, count(run[key])));
  return h('tr', {}, h('td', {}, time(run.started_at)), h('td', {}, run.kind), ...numbers, h('td', { class: 'num' }, duration(took)));
}

/** The runs as a table (the latest 10, or all) and as a chart. */
export async function drawRuns(current: RunsView): Promise<void> {
  const { runs } = current;
  const shown = current.allRuns ? runs : runs.slice(0, RUN_ROWS);
  const headers = ['Started', 'Kind', 'Added', 'Updated', 'Deleted', 'Unchanged', 'Rejected', 'Pruned', 'Duration'];
  const more = runs.length > shown.length ? h('button', { type: 'button' }, `Show all ${count(runs.length)} runs`) : null;
  more?.addEventListener('click', () => {
    current.allRuns = true;
    void drawRuns(current);
  });
  replace(
    current.elements.runs,
    runs.length === 0
      ? h('p', { class: 'muted' }, 'No runs yet.')
      : h(
          'div',
          { class: 'scroll' },
          h(
            'table',
            { id: 'runs' },
            h('thead', {}, h('tr', {}, ...headers.map((text, i) => h('th', { scope: 'col', class: i > 1 ? 'num' : undefined }, text)))),
            h('tbody', {}, ...shown.map(runRow)),
          ),
        ),
    more,
  );
  if (runs.length > 0) {
    const { drawChart } = await import('./chart.js');
    drawChart(current.elements.chart, runs);
  }
}
