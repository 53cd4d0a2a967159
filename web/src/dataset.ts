import { api, ApiError } from './api.js';
import { drawCheckpoint } from './checkpoint.js';
import { h, replace } from './dom.js';
import { bytes, count, shellQuote, time } from './format.js';
import { jsonView } from './json-view.js';
import { drawRuns, loadRuns, type RunsView } from './runs.js';
import { drawSchema } from './schema.js';
import { datasetHash, datasetParams, type Dataset, type DatasetPage, type DatasetStats, type Page, type RecordDetail } from './types.js';

const PAGE_SIZE = 50;

interface PageStart {
  cursor: string | undefined;
  before: number;
}

const FIRST_PAGE: PageStart[] = [{ cursor: undefined, before: 0 }];

interface StreamQuery {
  order: 'desc' | 'asc';
  filter: string[];
  ids: string;
  modifiedAfter: string;
}

/** What the dataset page shows; kept while live updates redraw parts of it. */
interface View extends RunsView {
  dataset: Dataset;
  database: string;
  query: StreamQuery;
  /** Each page seen so far: the cursor it started from and how many records came before it. The last is shown. */
  pages: PageStart[];
  page: Page | undefined;
  /** The dataset's figures as last drawn (JSON), to tell whether a commit changed anything here. */
  figures: string | undefined;
  /** Counts the change-stream requests made, so that only the latest one is drawn. */
  requests: number;
  elements: {
    summary: HTMLElement;
    checkpoint: HTMLElement;
    schema: HTMLElement;
    chart: HTMLElement;
    runs: HTMLElement;
    stream: HTMLElement;
    pager: HTMLElement;
    notice: HTMLElement;
    record: HTMLElement;
  };
}

let view: View | undefined;

function sameDataset(a: Dataset, b: Dataset): boolean {
  return a.integration === b.integration && a.connection === b.connection && a.model === b.model;
}

function fact(label: string, value: Node | string, id?: string): HTMLElement {
  return h('div', { class: 'fact' }, h('dt', {}, label), h('dd', { id }, value));
}

/** Draws the dataset's figures; false when they are those drawn already (a commit to another dataset). */
async function drawSummary(current: View): Promise<boolean> {
  const { database, dataset: stats, checkpoint, schema } = await api<DatasetPage>('/api/dataset', datasetParams(current.dataset));
  current.database = database.location;
  const figures = JSON.stringify([stats, checkpoint, schema]);
  if (figures === current.figures) return false;
  current.figures = figures;
  drawCheckpoint(current.elements.checkpoint, checkpoint);
  drawSchema(current.elements.schema, schema);
  if (stats === null) {
    replace(current.elements.summary, h('p', { class: 'muted' }, 'This dataset has no records.'));
    return true;
  }
  const numbers = (key: keyof DatasetStats) => count(stats[key] as number);
  replace(
    current.elements.summary,
    h(
      'dl',
      { class: 'facts' },
      fact('Live', numbers('live'), 'stat-live'),
      fact('Deleted', numbers('deleted'), 'stat-deleted'),
      fact('Pruned', numbers('pruned'), 'stat-pruned'),
      fact('Payload', bytes(stats.bytes)),
      fact('Runs', numbers('runs'), 'stat-runs'),
      fact('Last sync', time(stats.last_run_at)),
      fact('Last change', time(stats.last_change_at)),
    ),
  );
  return true;
}

function streamParams(current: View): Record<string, string | undefined> {
  const { query } = current;
  const modifiedAfter = query.modifiedAfter === '' ? undefined : new Date(query.modifiedAfter).toISOString();
  return {
    ...datasetParams(current.dataset),
    order: query.order,
    limit: String(PAGE_SIZE),
    filter: query.filter.length ? query.filter.join(',') : undefined,
    ids: query.ids.trim() === '' ? undefined : query.ids,
    modified_after: modifiedAfter,
    cursor: current.pages[current.pages.length - 1]!.cursor,
  };
}

function recordHash(current: View, id: string): string {
  return `${datasetHash(current.dataset)}&${new URLSearchParams({ record: id }).toString()}`;
}

async function drawStream(current: View): Promise<void> {
  // A page asked for earlier (a live refresh, a quicker click) must not replace a later one.
  const request = ++current.requests;
  let page: Page;
  try {
    page = await api<Page>('/api/changes', streamParams(current));
    if (request !== current.requests) return;
  } catch (error) {
    if (request !== current.requests) return;
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    replace(current.elements.stream, h('p', { class: 'error', role: 'alert' }, error.message));
    replace(current.elements.pager);
    return;
  }
  current.page = page;
  current.elements.notice.hidden = true;
  current.elements.stream.dataset.from = current.pages[current.pages.length - 1]!.cursor ?? '';
  const rows = page.records.map((item) =>
    h(
      'tr',
      { 'data-id': item.id },
      h('td', {}, h('a', { href: recordHash(current, item.id), class: 'record-id' }, item.id)),
      h(
        'td',
        {},
        h('span', { class: `action action-${item.action.toLowerCase()}` }, item.action),
        item.pruned_at ? h('span', { class: 'mark' }, 'pruned') : null,
      ),
      h('td', {}, time(item.last_modified_at)),
      h('td', { class: 'num' }, item.size === null ? '–' : bytes(item.size)),
      h('td', { class: 'preview' }, item.preview ?? '(payload pruned)'),
    ),
  );
  replace(
    current.elements.stream,
    page.records.length === 0
      ? h('p', { class: 'muted', id: 'stream-empty' }, page.partial ? 'No changes match in this part of the stream.' : 'No changes match.')
      : h(
          'div',
          { class: 'scroll' },
          h(
            'table',
            { id: 'stream' },
            h('thead', {}, h('tr', {}, ...['Id', 'Action', 'Modified', 'Size', 'Payload'].map((text) => h('th', { scope: 'col' }, text)))),
            h('tbody', {}, ...rows),
          ),
        ),
  );
  const first = h('button', { type: 'button', id: 'page-first', disabled: current.pages.length === 1 }, current.query.order === 'desc' ? 'Newest' : 'Oldest');
  const back = h('button', { type: 'button', id: 'page-previous', disabled: current.pages.length === 1 }, 'Previous');
  const next = h('button', { type: 'button', id: 'page-next', disabled: page.next_cursor === null }, 'Next');
  const move = (pages: PageStart[]) => () => {
    current.pages = pages;
    void drawStream(current);
  };
  first.addEventListener('click', move(FIRST_PAGE));
  back.addEventListener('click', move(current.pages.slice(0, -1)));
  const before = current.pages[current.pages.length - 1]!.before;
  next.addEventListener('click', move([...current.pages, { cursor: page.next_cursor ?? undefined, before: before + page.records.length }]));
  const position = page.records.length ? `${count(before + 1)}–${count(before + page.records.length)}` : '';
  const partial = page.partial
    ? h('p', { class: 'muted', id: 'page-partial' }, 'A filter that matches few records searches part of the stream at a time: Next searches on.')
    : null;
  replace(current.elements.pager, first, back, h('span', { id: 'page-position', 'aria-live': 'polite' }, position), next, partial);
}

function filterForm(current: View): HTMLFormElement {
  const { query } = current;
  const order = h('select', { name: 'order', id: 'order' }, h('option', { value: 'desc' }, 'Newest first'), h('option', { value: 'asc' }, 'Oldest first'));
  order.value = query.order;
  const actions = ['added', 'updated', 'deleted'].map((action) =>
    h('label', {}, h('input', { type: 'checkbox', name: 'filter', value: action, checked: query.filter.includes(action) }), ` ${action}`),
  );
  const ids = h('input', { type: 'text', name: 'ids', id: 'ids', placeholder: 'id, id, …', value: query.ids });
  const after = h('input', { type: 'datetime-local', name: 'modified-after', id: 'modified-after', step: '1', value: query.modifiedAfter });
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Change stream filters' },
    h('label', {}, 'Order ', order),
    h('fieldset', {}, h('legend', {}, 'Action'), ...actions),
    h('label', {}, 'Ids ', ids),
    h('label', {}, 'Modified after ', after),
    h('button', { type: 'submit' }, 'Apply'),
  );
  const apply = (event: Event) => {
    event.preventDefault();
    current.query = {
      order: order.value === 'asc' ? 'asc' : 'desc',
      filter: [...form.querySelectorAll<HTMLInputElement>('input[name=filter]:checked')].map((input) => input.value),
      ids: ids.value,
      modifiedAfter: after.value,
    };
    current.pages = FIRST_PAGE;
    void drawStream(current);
  };
  form.addEventListener('submit', apply);
  order.addEventListener('change', apply);
  return form;
}

/** Text with a button that copies it; where the clipboard is not offered (plain HTTP off this machine) the text is selected instead. */
function copyable(id: string, text: string): HTMLElement {
  const code = h('code', { id }, text);
  const button = h('button', { type: 'button', class: 'copy' }, 'Copy');
  const select = () => {
    getSelection()?.selectAllChildren(code);
    button.textContent = 'Selected: press Ctrl+C';
  };
  button.addEventListener('click', () => {
    if (navigator.clipboard === undefined) select();
    else navigator.clipboard.writeText(text).then(() => (button.textContent = 'Copied'), select);
  });
  return h('div', { class: 'copyable' }, code, button);
}

async function drawRecord(current: View, id: string | undefined): Promise<void> {
  const panel = current.elements.record;
  if (id === undefined) {
    panel.hidden = true;
    replace(panel);
    return;
  }
  let detail: RecordDetail;
  try {
    detail = await api<RecordDetail>('/api/record', { ...datasetParams(current.dataset), id });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    panel.hidden = false;
    replace(panel, h('h2', {}, 'Record'), h('p', { class: 'error' }, error.message));
    return;
  }
  const { _nango_metadata: meta, ...payload } = detail.record;
  const { dataset } = current;
  const command = [
    'rcache',
    'records',
    '--db',
    current.database,
    '--integration',
    dataset.integration,
    '--connection',
    dataset.connection,
    '--model',
    dataset.model,
    '--cursor',
    meta.cursor,
  ]
    .map(shellQuote)
    .join(' ');
  const close = h('a', { href: datasetHash(dataset), class: 'close', 'aria-label': 'Close the record' }, '×');
  panel.hidden = false;
  replace(
    panel,
    h('div', { class: 'record-head' }, h('h2', {}, 'Record ', h('code', { id: 'record-id' }, detail.record.id)), close),
    h(
      'p',
      { class: 'marks' },
      h('span', { class: `action action-${meta.last_action.toLowerCase()}` }, meta.last_action),
      meta.deleted_at ? h('span', { class: 'mark' }, 'deleted ', time(meta.deleted_at)) : null,
      meta.pruned_at ? h('span', { class: 'mark' }, 'pruned ', time(meta.pruned_at)) : null,
    ),
    h(
      'dl',
      { class: 'facts' },
      fact('First seen', time(meta.first_seen_at)),
      fact('Last modified', time(meta.last_modified_at)),
      fact('Size', detail.size === null ? 'pruned' : bytes(detail.size)),
    ),
    h('h3', {}, 'Cursor'),
    copyable('record-cursor', meta.cursor),
    h('h3', {}, 'Changes after this record'),
    copyable('record-command', command),
    h('h3', {}, 'Payload'),
    meta.pruned_at ? h('p', { class: 'muted' }, 'The payload was pruned.') : h('div', { id: 'record-payload', class: 'json-tree' }, jsonView(payload)),
    h('details', {}, h('summary', {}, 'As rcache records prints it'), h('pre', { id: 'record-raw' }, JSON.stringify(detail.record, null, 2))),
  );
  panel.focus({ preventScroll: true });
  panel.scrollIntoView({ block: 'nearest' });
}

/** Shows a dataset; a second call for the same dataset only updates the record shown. */
export async function showDataset(main: HTMLElement, dataset: Dataset, recordId: string | undefined): Promise<void> {
  if (view !== undefined && sameDataset(view.dataset, dataset) && main.contains(view.elements.stream)) {
    await drawRecord(view, recordId);
    return;
  }
  const elements = {
    summary: h('div', {}),
    checkpoint: h('section', { id: 'checkpoint', 'aria-label': 'Checkpoint' }),
    schema: h('div', {}),
    chart: h('div', { id: 'chart', class: 'chart' }),
    runs: h('div', {}),
    stream: h('div', {}),
    pager: h('nav', { class: 'pager', 'aria-label': 'Change stream pages' }),
    notice: h('p', { class: 'notice', hidden: true, role: 'status' }),
    record: h('section', { id: 'record', class: 'record', hidden: true, tabindex: '-1', 'aria-label': 'Record' }),
  };
  const current: View = {
    dataset,
    database: '',
    query: { order: 'desc', filter: [], ids: '', modifiedAfter: '' },
    pages: FIRST_PAGE,
    page: undefined,
    figures: undefined,
    runs: [],
    allRuns: false,
    requests: 0,
    elements,
  };
  view = current;
  replace(
    main,
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/' }, 'Datasets'), ' › '),
    h('h1', {}, h('span', { class: 'muted' }, `${dataset.integration} / ${dataset.connection} / `), dataset.model),
    elements.summary,
    elements.checkpoint,
    h('section', {}, h('h2', {}, 'Runs'), elements.chart, elements.runs),
    h('section', {}, h('h2', {}, 'Schema'), elements.schema),
    h(
      'div',
      { class: 'split' },
      h('section', { class: 'stream' }, h('h2', {}, 'Change stream'), filterForm(current), elements.notice, elements.stream, elements.pager),
      elements.record,
    ),
  );
  await Promise.all([drawSummary(current), loadRuns(current)]);
  await Promise.all([drawRuns(current), drawStream(current), drawRecord(current, recordId)]);
}

/**
 * After a commit: the dataset's figures are read again, and when they changed (the commit was this
 * dataset's), the runs committed since and the stream, when the page shown is where new changes
 * appear, else a note says so. A commit to another dataset costs one small read.
 */
export async function refreshDataset(): Promise<void> {
  const current = view;
  if (current === undefined || !document.body.contains(current.elements.stream)) return;
  if (!(await drawSummary(current))) return;
  const tasks = [loadRuns(current).then(() => drawRuns(current))];
  const atEnd = current.query.order === 'asc' && current.page?.next_cursor === null;
  if (current.pages.length === 1 || atEnd) tasks.push(drawStream(current));
  else {
    current.elements.notice.hidden = false;
    current.elements.notice.textContent = 'New changes were saved: go to the first page to see them.';
  }
  await Promise.all(tasks);
}
