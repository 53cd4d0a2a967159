import { h } from './dom.js';

/** A JSON value as a tree: objects and arrays fold open and closed; every value is text. */
export function jsonView(value: unknown, depth = 0): HTMLElement {
  if (value === null || typeof value !== 'object') {
    const kind = value === null ? 'null' : typeof value;
    return h('span', { class: `json-${kind}` }, JSON.stringify(value));
  }
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, i) => [String(i), item]) : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return h('span', {}, open + close);
  const items = entries.map(([key, item]) =>
    h(
      'li',
      {},
      Array.isArray(value) ? null : h('span', { class: 'json-key' }, JSON.stringify(key)),
      Array.isArray(value) ? null : ': ',
      jsonView(item, depth + 1),
    ),
  );
  return h(
    'details',
    { open: depth < 2 },
    h('summary', {}, `${open} ${entries.length} ${Array.isArray(value) ? 'item' : 'key'}${entries.length === 1 ? '' : 's'} ${close}`),
    h('ul', { class: 'json' }, ...items),
  );
}
