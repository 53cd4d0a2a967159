import { h, replace } from './dom.js';
import { count, time } from './format.js';
import { jsonView } from './json-view.js';
import type { CheckpointState } from './types.js';

/** The dataset's checkpoint: its version, when it was last written, and its JSON, as a tree and as text. */
export function drawCheckpoint(element: HTMLElement, state: CheckpointState): void {
  const fact = (label: string, value: Node | string, id: string) => h('div', { class: 'fact' }, h('dt', {}, label), h('dd', { id }, value));
  if (state.version === 0) {
    replace(element, h('h2', {}, 'Checkpoint'), h('p', { class: 'muted', id: 'checkpoint-none' }, 'None was ever saved.'));
    return;
  }
  replace(
    element,
    h('h2', {}, 'Checkpoint'),
    h('dl', { class: 'facts' }, fact('Version', count(state.version), 'checkpoint-version'), fact('Updated', time(state.updated_at), 'checkpoint-updated')),
    state.checkpoint === null
      ? h('p', { class: 'muted', id: 'checkpoint-none' }, 'Cleared: a sync resuming from it starts from scratch.')
      : h('div', { id: 'checkpoint-tree', class: 'json-tree' }, jsonView(state.checkpoint)),
    state.checkpoint === null
      ? null
      : h('details', {}, h('summary', {}, 'As JSON'), h('pre', { id: 'checkpoint-json' }, JSON.stringify(state.checkpoint, null, 2))),
  );
}
