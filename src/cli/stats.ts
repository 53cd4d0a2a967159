import { parseDuration } from '../decisions/duration.js';
import { parseTimestamp } from '../decisions/time.js';
import { humanBytes } from '../io/bytes.js';
import { datasetJson, runJson, webhookJson, type WebhookJson } from '../io/stats-json.js';
import { wantsColor } from '../io/color.js';
import { renderTable, terminalWidth, type Column } from '../io/table.js';
import { clock, open, parseCount, plural, UsageError, type GlobalOptions } from './context.js';

export interface StatsOptions extends GlobalOptions {
  model?: string;
  runs?: boolean;
  json?: boolean;
  limit?: string;
  since?: string;
}

/** --since: an ISO 8601 time, or a duration back from now (`7d`, `12h`). */
function parseSince(text: string): number {
  return /^\d+[smhdw]$/.test(text.trim()) ? clock()() - parseDuration(text, '--since') : parseTimestamp(text, '--since');
}

const count = (name: string, drop?: number): Column => ({ name, right: true, drop });

const DATASET_COLUMNS: Column[] = [
  { name: 'integration', drop: 4, min: 7 },
  { name: 'connection', drop: 3, min: 7 },
  { name: 'model', min: 24 },
  count('live'),
  count('deleted', 7),
  count('pruned', 2),
  count('payloads', 6),
  count('runs', 1),
  { name: 'last run', drop: 0 },
  { name: 'last change', drop: 5 },
];

const RUN_COLUMNS: Column[] = [
  { name: 'kind' },
  { name: 'integration', drop: 7, min: 7 },
  { name: 'connection', drop: 6, min: 7 },
  { name: 'model', min: 24 },
  { name: 'started' },
  count('seconds', 5),
  count('added'),
  count('updated'),
  count('unchanged', 4),
  count('deleted'),
  count('unknown', 1),
  count('dupl.', 0),
  count('rejected', 3),
  count('pruned', 2),
];

const WEBHOOK_COLUMNS: Column[] = [
  { name: 'url', min: 24 },
  count('position', 3),
  count('backlog'),
  count('delivered', 2),
  count('failures', 4),
  { name: 'last error', min: 16 },
  { name: 'holder', drop: 1 },
];

/** The webhook receivers, after the datasets, when there are any. */
function webhookTable(webhooks: WebhookJson[], table: { color: boolean; width: number | undefined }): string {
  if (webhooks.length === 0) return '';
  const rows = webhooks.map((w) => [
    w.url,
    String(w.position),
    String(w.backlog),
    String(w.delivered),
    String(w.failures),
    w.last_error === null ? '-' : `${w.last_error_at} ${w.last_error}`,
    w.holder ?? '-',
  ]);
  return `\nwebhooks: ${plural(webhooks.length, 'receiver')}\n${renderTable(WEBHOOK_COLUMNS, rows, table)}`;
}

export async function stats(options: StatsOptions): Promise<void> {
  if (!options.runs && (options.limit !== undefined || options.since !== undefined)) throw new UsageError('--limit and --since select runs: add --runs');
  const query = { limit: options.limit === undefined ? undefined : parseCount(options.limit, '--limit'), since: options.since === undefined ? undefined : parseSince(options.since) };
  const cache = await open(options, true);
  const filter = options.model === undefined ? undefined : { integration: options.integration, connection: options.connection, model: options.model };
  const table = { color: wantsColor(process.stdout, options.color), width: terminalWidth(process.stdout) };
  try {
    const info = await cache.info();
    const database = { path: info.location, bytes: info.bytes ?? 0 };
    if (options.runs) {
      // The newest runs that match, shown oldest first as the history reads.
      const newest = await cache.runs({ dataset: filter, ...query, order: 'newest-first' });
      const runs = newest.reverse().map(runJson);
      if (options.json) return void process.stdout.write(JSON.stringify({ database, runs }) + '\n');
      const rows = runs.reverse().map((run) => [
        run.kind,
        run.integration,
        run.connection,
        run.model,
        run.started_at,
        ((Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000).toFixed(2),
        ...[run.added, run.updated, run.unchanged, run.deleted, run.unknown, run.duplicates, run.rejected, run.pruned].map(String),
      ]);
      process.stdout.write(`${database.path} (${humanBytes(database.bytes)}): ${plural(runs.length, 'run')}, newest first\n${renderTable(RUN_COLUMNS, rows, table)}`);
      return;
    }
    const datasets = (await cache.stats(filter)).map(datasetJson);
    const webhooks = (await cache.deliveries().list()).map(webhookJson);
    if (options.json) return void process.stdout.write(JSON.stringify({ database, datasets, webhooks }) + '\n');
    const rows = datasets.map((d) => [
      d.integration,
      d.connection,
      d.model,
      String(d.live),
      String(d.deleted),
      String(d.pruned),
      humanBytes(d.bytes),
      String(d.runs),
      d.last_run_at ?? '-',
      d.last_change_at ?? '-',
    ]);
    process.stdout.write(
      `${database.path} (${humanBytes(database.bytes)}): ${plural(datasets.length, 'dataset')}\n${renderTable(DATASET_COLUMNS, rows, table)}${webhookTable(webhooks, table)}`,
    );
  } finally {
    await cache.close();
  }
}
