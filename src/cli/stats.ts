import { statSync } from 'node:fs';
import { datasetStats, runHistory } from '../cache/stats.js';
import { wantsColor } from '../io/color.js';
import { renderTable } from '../io/table.js';
import { open, type GlobalOptions } from './context.js';

export interface StatsOptions extends GlobalOptions {
  model?: string;
  runs?: boolean;
  json?: boolean;
}

function fileBytes(path: string): number {
  let total = 0;
  for (const file of [path, `${path}-wal`]) {
    try {
      total += statSync(file).size;
    } catch {
      // No write-ahead log right now: only the main file counts.
    }
  }
  return total;
}

export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export async function stats(options: StatsOptions): Promise<void> {
  const cache = open(options, true);
  const filter = options.model === undefined ? undefined : { integration: options.integration, connection: options.connection, model: options.model };
  const color = wantsColor(process.stdout, options.color);
  try {
    const database = { path: cache.path, bytes: fileBytes(cache.path) };
    if (options.runs) {
      const runs = runHistory(cache, filter);
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
    const datasets = datasetStats(cache, filter);
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
    cache.close();
  }
}
