import { h, replace } from './dom.js';
import { jsonView } from './json-view.js';
import type { DatasetPage } from './types.js';

/** The dataset's stored JSON Schema, as a tree that folds (its first level open: a long schema does not push the stream down) and as text. */
export function drawSchema(panel: HTMLElement, schema: DatasetPage['schema']): void {
  if (schema === null) {
    replace(panel, h('p', { class: 'muted', id: 'schema-none' }, 'No schema is stored for this dataset: its records are not checked.'));
    return;
  }
  replace(
    panel,
    h('div', { id: 'schema', class: 'json-tree' }, jsonView(schema, 1)),
    h('details', {}, h('summary', {}, 'As rcache schema prints it'), h('pre', { id: 'schema-raw' }, JSON.stringify(schema, null, 2))),
  );
}
