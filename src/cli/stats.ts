import { humanBytes } from '../terminal/bytes.js';
import { datasetJson, runJson, webhookJson, type WebhookJson } from '../wire/stats-json.js';
import { wantsColor } from '../terminal/color.js';
import type { Column } from '../terminal/table.js';
import { count } from '../words.js';
import { open, parseCount, parseTime, plural, UsageError, type GlobalOptions } from './context.js';

export interface StatsOptions extends GlobalOptions {
  model?: string;
  runs?: boolean;
  json?: boolean;
  limit?: string;
  since?: string;
}

const numeric = (name: string, drop?: number): Column => ({ name, right: true, drop });
const named = (label: string, drop?: number): Column => ({ name: label, text: true, drop, quiet: drop === undefined ? undefined : 'default' });

// Dropped on a narrow terminal in the order of their ranks (a column that says only `default`
// first); cells are never cut but for names, and those only when all that can go has gone.
const DATASET_COLUMNS: Column[] = [
  named('integration', 4),
  named('connection', 3),
  named('model'),
  numeric('live'),
  numeric('deleted', 7),
  numeric('pruned', 2),
  numeric('payloads', 6),
  numeric('runs', 1),
  { name: 'last run', drop: 0 },
  { name: 'last change', drop: 5 },
];

/** Whether a JSON Schema is stored for the dataset: shown when one is, dropped early on a narrow terminal. */
const SCHEMA_COLUMN: Column = { name: 'schema', drop: 0.5 };

const RUN_COLUMNS: Column[] = [
  { name: 'kind' },
  named('integration', 7),
  named('connection', 6),
  named('model'),
  { name: 'started', drop: 10 },
  numeric('seconds', 5),
  numeric('added'),
  numeric('updated', 9),
  numeric('unchanged', 4),
  numeric('deleted', 8),
  numeric('unknown', 1),
  numeric('dupl.', 0),
  numeric('rejected', 3),
  numeric('pruned', 2),
];

const seconds = (from: string, to: string) =>
  ((Date.parse(to) - Date.parse(from)) / 1000).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const WEBHOOK_COLUMNS: Column[] = [
  { name: 'url', text: true },
  numeric('position', 3),
  numeric('backlog'),
  numeric('delivered', 2),
  numeric('failures', 4),
  { name: 'last error', text: true },
  { name: 'holder', text: true, drop: 1 },
];

type Render = (columns: Column[], rows: string[][]) => string;

/** The table renderer, loaded only when a table is printed: measuring cells is no part of the start-up of --json. */
async function tables(color: boolean | undefined): Promise<Render> {
  const { renderTable, terminalWidth } = await import('../terminal/table.js');
  const table = { color: wantsColor(process.stdout, color), width: terminalWidth(process.stdout) };
  return (columns, rows) => renderTable(columns, rows, table);
}

/** The webhook receivers, after the datasets, when there are any. */
function webhookTable(webhooks: WebhookJson[], render: Render): string {
  if (webhooks.length === 0) return '';
  const rows = webhooks.map((w) => [
    w.url,
    count(w.position),
    count(w.backlog),
    count(w.delivered),
    count(w.failures),
    w.last_error === null ? '-' : `${w.last_error_at} ${w.last_error}`,
    w.holder ?? '-',
  ]);
  return `\nwebhooks: ${plural(webhooks.length, 'receiver')}\n${render(WEBHOOK_COLUMNS, rows)}`;
}

export async function stats(options: StatsOptions): Promise<void> {
  if (!options.runs && (options.limit !== undefined || options.since !== undefined)) throw new UsageError('--limit and --since select runs: add --runs');
  const query = {
    limit: options.limit === undefined ? undefined : parseCount(options.limit, '--limit'),
    since: options.since === undefined ? undefined : parseTime(options.since, '--since'),
  };
  const cache = await open(options, true);
  const filter = options.model === undefined ? undefined : { integration: options.integration, connection: options.connection, model: options.model };
  try {
    const info = await cache.info();
    const database = { path: info.location, bytes: info.bytes ?? 0, store: info.kind };
    const heading = `${database.path} (${info.kind}, ${humanBytes(database.bytes)})`;
    if (options.runs) {
      // The newest runs that match, shown oldest first as the history reads.
      const newest = await cache.runs({ dataset: filter, ...query, order: 'newest-first' });
      const runs = newest.reverse().map(runJson);
      if (options.json) return void process.stdout.write(JSON.stringify({ database, runs }) + '\n');
      const render = await tables(options.color);
      const rows = runs
        .reverse()
        .map((run) => [
          run.kind,
          run.integration,
          run.connection,
          run.model,
          run.started_at,
          seconds(run.started_at, run.finished_at),
          ...[run.added, run.updated, run.unchanged, run.deleted, run.unknown, run.duplicates, run.rejected, run.pruned].map(count),
        ]);
      process.stdout.write(`${heading}: ${plural(runs.length, 'run')}, newest first\n${render(RUN_COLUMNS, rows)}`);
      return;
    }
    const datasets = (await cache.stats(filter)).map(datasetJson);
    const webhooks = (await cache.deliveries().list()).map(webhookJson);
    if (options.json) return void process.stdout.write(JSON.stringify({ database, datasets, webhooks }) + '\n');
    const render = await tables(options.color);
    // Which datasets have a schema is said only where some do.
    const schemas = datasets.some((d) => d.schema);
    const rows = datasets.map((d) => [
      d.integration,
      d.connection,
      d.model,
      count(d.live),
      count(d.deleted),
      count(d.pruned),
      humanBytes(d.bytes),
      count(d.runs),
      d.last_run_at ?? '-',
      d.last_change_at ?? '-',
      ...(schemas ? [d.schema ? 'yes' : '-'] : []),
    ]);
    const columns = schemas ? [...DATASET_COLUMNS, SCHEMA_COLUMN] : DATASET_COLUMNS;
    process.stdout.write(`${heading}: ${plural(datasets.length, 'dataset')}\n${render(columns, rows)}${webhookTable(webhooks, render)}`);
  } finally {
    await cache.close();
  }
}
