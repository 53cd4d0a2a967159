import { h } from './dom.js';
import { count, time } from './format.js';
import type { Webhook } from './types.js';

/** The webhook receivers: how far each is through the run history and how its deliveries go. */
export function webhookSection(webhooks: Webhook[]): HTMLElement | null {
  if (webhooks.length === 0) return null;
  const header = ['URL', 'Position', 'Backlog', 'Delivered', 'Failures', 'Last error', 'Deliverer'].map((label, i) =>
    h('th', { scope: 'col', class: i >= 1 && i <= 4 ? 'num' : undefined }, label),
  );
  const rows = webhooks.map((webhook) =>
    h(
      'tr',
      {},
      h('td', {}, h('code', {}, webhook.url)),
      h('td', { class: 'num', title: 'the last run this receiver is done with' }, count(webhook.position)),
      h('td', { class: webhook.backlog > 0 ? 'num notice' : 'num' }, count(webhook.backlog)),
      h('td', { class: 'num' }, count(webhook.delivered)),
      h('td', { class: 'num' }, count(webhook.failures)),
      webhook.last_error === null
        ? h('td', { class: 'muted' }, '—')
        : h('td', {}, time(webhook.last_error_at), ' ', h('span', { class: 'error' }, webhook.last_error)),
      h('td', { class: webhook.holder === null ? 'muted' : undefined }, webhook.holder ?? 'none running'),
    ),
  );
  return h(
    'section',
    { id: 'webhooks' },
    h('h2', {}, 'Webhooks'),
    h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ...header)), h('tbody', {}, ...rows))),
  );
}
