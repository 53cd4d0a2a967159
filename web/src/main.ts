import './style.css';
import { live } from './api.js';
import { refreshDataset, showDataset } from './dataset.js';
import { $, h, replace } from './dom.js';
import { refreshTimes } from './format.js';
import { showOverview } from './overview.js';

const main = $('#main');
let version: string | undefined;
let rendering = Promise.resolve();
/** A live refresh waits for the draw in progress; commits arriving meanwhile share that one refresh. */
let refreshQueued = false;
const CATCH_UP_MS = 2000;
/** With no receiver behind, a deliverer started since (or its first failure) shows within this. */
const LOOK_AGAIN_MS = 5_000;
let catchUp: ReturnType<typeof setTimeout> | undefined;

function route(): { name: 'overview' } | { name: 'dataset'; integration: string; connection: string; model: string; record?: string } {
  const hash = location.hash.replace(/^#/, '');
  if (hash.startsWith('/dataset?')) {
    const params = new URLSearchParams(hash.slice('/dataset?'.length));
    const [integration, connection, model] = ['integration', 'connection', 'model'].map((key) => params.get(key));
    if (integration !== null && connection !== null && model !== null) {
      return { name: 'dataset', integration: integration!, connection: connection!, model: model!, record: params.get('record') ?? undefined };
    }
  }
  return { name: 'overview' };
}

/** Draws the view the address names; draws run one at a time so that a live update never interleaves with navigation. */
function render(refresh: boolean): Promise<void> {
  rendering = rendering.then(async () => {
    if (refresh) refreshQueued = false;
    const where = route();
    try {
      if (where.name === 'dataset') {
        if (refresh) await refreshDataset();
        else await showDataset(main, where, where.record);
        document.title = `${where.model} — rcache`;
      } else {
        // Deliveries move no version: the overview looks again now and then, often while one is behind.
        clearTimeout(catchUp);
        const behind = await showOverview(main, refresh);
        // A hidden page stops looking; it looks again when it is shown.
        catchUp = setTimeout(
          () => route().name === 'overview' && !refreshQueued && !document.hidden && void render(true),
          behind ? CATCH_UP_MS : LOOK_AGAIN_MS,
        );
        document.title = 'rcache dashboard';
      }
    } catch (error) {
      replace(main, h('p', { class: 'error', role: 'alert' }, `Could not load: ${error instanceof Error ? error.message : String(error)}`));
    }
  });
  return rendering;
}

window.addEventListener('hashchange', () => void render(false));
document.addEventListener('visibilitychange', () => !document.hidden && route().name === 'overview' && !refreshQueued && void render(true));
void render(false);

live(
  (next) => {
    if (version !== undefined && next !== version && !refreshQueued) {
      refreshQueued = true;
      void render(true);
    }
    version = next;
  },
  (connected) => {
    const status = $('#live');
    status.textContent = connected ? 'Live' : 'Reconnecting…';
    status.classList.toggle('offline', !connected);
  },
);
setInterval(refreshTimes, 30_000);
