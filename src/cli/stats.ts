import { iso } from '../decisions/time.js';
import { wantsColor } from '../io/color.js';
import { humanBytes } from '../io/bytes.js';
import { renderTable } from '../io/table.js';
import { open, type GlobalOptions } from './context.js';

export interface StatsOptions extends GlobalOptions {
  model?: string;
  runs?: boolean;
  json?: boolean;
}

export async function stats(options: StatsOptions): Promise<void> {
  const cache = await open(options, true);
  const filter = options.model === undefined ? undefined : { integration: options.integration, connection: options.connection, model: options.model };
  const color = wantsColor(process.stdout, options.color);
  try {
    const info = await cache.info();
    const database = { path: info.location, bytes: info.bytes ?? 0 };
    if (options.runs) {
      const runs = (await cache.runs({ dataset: filter })).map(({ number: _, startedAt, finishedAt, ...run }) => ({
        kind: run.kind,
        integration: run.integration,
        connection: run.connection,
        model: run.model,
        started_at: iso(startedAt),
        finished_at: iso(finishedAt),
        added: run.added,
        updated: run.updated,
        unchanged: run.unchanged,
        deleted: run.deleted,
        unknown: run.unknown,
        duplicates: run.duplicates,
        rejected: run.rejected,
        pruned: run.pruned,
      }));
      if (options.json) return void process.stdout.write(JSON.stringify({ database, runs }) + '\n');
      const head = ['kind', 'integration', 'connection', 'model', 'started', 'seconds', 'added', 'updated', 'unchanged', 'deleted', 'unknown', 'dupl.', 'rejected', 'pruned'];
      const rows = runs.map((run) => [
        run.kind,
        run.integration,
        run.connection,
        run.model,
        run.started_at,
        ((Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000).toFixed(2),
        ...[run.added, run.updated, run.unchanged, run.deleted, run.unknown, run.duplicates, run.rejected, run.pruned].map(String),
      ]);
      process.stdout.write(`${database.path} (${humanBytes(database.bytes)}): ${runs.length} runs\n${renderTable(head, rows, color)}\n`);
      return;
    }
    const datasets = (await cache.stats(filter)).map(({ lastRunAt, lastChangeAt, ...counts }) => ({
      ...counts,
      last_run_at: iso(lastRunAt),
      last_change_at: iso(lastChangeAt),
    }));
    if (options.json) return void process.stdout.write(JSON.stringify({ database, datasets }) + '\n');
    const head = ['integration', 'connection', 'model', 'live', 'deleted', 'pruned', 'payloads', 'runs', 'last run', 'last change'];
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
    process.stdout.write(`${database.path} (${humanBytes(database.bytes)}): ${datasets.length} datasets\n${renderTable(head, rows, color)}\n`);
  } finally {
    await cache.close();
  }
}
