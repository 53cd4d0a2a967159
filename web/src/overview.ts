import { api } from './api.js';
import { h, replace } from './dom.js';
import { bytes, count, time } from './format.js';
import { datasetHash, type DatasetStats, type Overview } from './types.js';
import { webhookSection } from './webhooks.js';

type Column = { key: keyof DatasetStats; label: string; numeric?: boolean };

const COLUMNS: Column[] = [
  { key: 'integration', label: 'Integration' },
  { key: 'connection', label: 'Connection' },
  { key: 'model', label: 'Model' },
  { key: 'live', label: 'Live', numeric: true },
  { key: 'deleted', label: 'Deleted', numeric: true },
  { key: 'pruned', label: 'Pruned', numeric: true },
  { key: 'bytes', label: 'Bytes', numeric: true },
  { key: 'runs', label: 'Runs', numeric: true },
  { key: 'last_run_at', label: 'Last sync' },
  { key: 'last_change_at', label: 'Last change' },
];

/** The overview keeps its sort and search across live refreshes. */
const state = { sort: 'integration' as keyof DatasetStats, descending: false, search: '' };

function compare(a: DatasetStats, b: DatasetStats): number {
  const x = a[state.sort] ?? '';
  const y = b[state.sort] ?? '';
  const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
  return state.descending ? -order : order;
}

function matches(dataset: DatasetStats): boolean {
  const search = state.search.trim().toLowerCase();
  return search === '' || `${dataset.integration}\n${dataset.connection}\n${dataset.model}`.toLowerCase().includes(search);
}

function cell(dataset: DatasetStats, column: Column): HTMLTableCellElement {
  const value = dataset[column.key];
  if (column.key === 'model') return h('td', {}, h('a', { href: datasetHash(dataset) }, String(value)));
  if (column.key === 'last_run_at' || column.key === 'last_change_at') return h('td', {}, time(value as string | null));
  if (column.key === 'bytes') return h('td', { class: 'num', title: `${count(value as number)} bytes` }, bytes(value as number));
  return h('td', { class: column.numeric ? 'num' : undefined }, column.numeric ? count(value as number) : String(value));
}

function table(datasets: DatasetStats[], onSort: () => void): HTMLElement {
  const header = COLUMNS.map((column) => {
    const sorted = state.sort === column.key;
    const button = h('button', { type: 'button', class: 'sort' }, column.label, sorted ? (state.descending ? ' ▼' : ' ▲') : '');
    button.addEventListener('click', () => {
      state.descending = sorted ? !state.descending : column.numeric === true;
      state.sort = column.key;
      onSort();
    });
    return h(
      'th',
      { scope: 'col', class: column.numeric ? 'num' : undefined, 'aria-sort': sorted ? (state.descending ? 'descending' : 'ascending') : undefined },
      button,
    );
  });
  const shown = datasets.filter(matches).sort(compare);
  const rows = shown.map((dataset) => h('tr', {}, ...COLUMNS.map((column) => cell(dataset, column))));
  const empty = shown.length === 0 ? h('p', { class: 'muted' }, datasets.length === 0 ? 'No datasets yet: save some records.' : 'No dataset matches.') : null;
  return h('div', {}, h('div', { class: 'scroll' }, h('table', { id: 'datasets' }, h('thead', {}, h('tr', {}, ...header)), h('tbody', {}, ...rows))), empty);
}

/** The overview last drawn, as the server sent it: a look again that finds the same leaves the page alone. */
let drawn: string | undefined;

/**
 * Draws the overview (on a look again, only when something changed); true while a webhook
 * receiver has a backlog, which no commit will announce the end of.
 */
export async function showOverview(main: HTMLElement, again = false): Promise<boolean> {
  const overview = await api<Overview>('/api/overview');
  const behind = overview.webhooks.some((webhook) => webhook.backlog > 0);
  const text = JSON.stringify(overview);
  if (again && text === drawn && main.querySelector('#datasets') !== null) return behind;
  drawn = text;
  const { database } = overview;
  const search = h('input', { type: 'search', id: 'search', placeholder: 'Search datasets', 'aria-label': 'Search datasets' });
  search.value = state.search;
  const holder = h('div', {});
  const draw = () => replace(holder, table(overview.datasets, draw));
  search.addEventListener('input', () => {
    state.search = search.value;
    draw();
  });
  draw();
  const focused = document.activeElement?.id === 'search';
  replace(
    main,
    h('h1', {}, 'Datasets'),
    h(
      'p',
      { class: 'database' },
      h('span', {}, 'Database ', h('code', { id: 'db-location' }, database.location)),
      h('span', {}, `${database.store} store`),
      database.size === null ? null : h('span', { title: `${count(database.size)} bytes` }, bytes(database.size)),
    ),
    search,
    holder,
    webhookSection(overview.webhooks),
  );
  if (focused) search.focus();
  return behind;
}
