import type { Cache } from '../../cache/cache.js';
import type { Dataset } from '../../stores/store.js';
import { displayUrl } from '../../decisions/url.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n' };

/** Label values may hold anything a dataset name holds: Prometheus escapes \, " and newlines. */
function pairs(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}="${/[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, (c) => ESCAPES[c]!) : value}"`)
    .join(',');
}

function labels(values: Record<string, string>): string {
  const text = pairs(values);
  return text === '' ? '' : `{${text}}`;
}

interface Latency {
  counts: number[];
  sum: number;
  count: number;
}

/** Request counts and latencies, kept in memory since the server started. */
export class RequestMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Latency>();

  /** Called by the server once per answered request; `route` is the matched path, never the raw URL. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const key = JSON.stringify([method, route, String(status)]);
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let latency = this.latency.get(route);
    if (latency === undefined) this.latency.set(route, (latency = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) latency.counts[i]!++;
    });
    latency.sum += seconds;
    latency.count++;
  }

  lines(): string[] {
    const out = family('rcache_http_requests_total', 'counter', 'HTTP requests answered, by method, route and status.');
    for (const [key, count] of this.requests) {
      const [method, route, status] = JSON.parse(key) as string[];
      out.push(`rcache_http_requests_total${labels({ method: method!, route: route!, status: status! })} ${count}`);
    }
    out.push(...family('rcache_http_request_duration_seconds', 'histogram', 'Time to answer a request, by route.'));
    for (const [route, latency] of this.latency) {
      BUCKETS.forEach((bound, i) => void out.push(`rcache_http_request_duration_seconds_bucket${labels({ route, le: String(bound) })} ${latency.counts[i]}`));
      out.push(`rcache_http_request_duration_seconds_bucket${labels({ route, le: '+Inf' })} ${latency.count}`);
      out.push(`rcache_http_request_duration_seconds_sum${labels({ route })} ${latency.sum}`);
      out.push(`rcache_http_request_duration_seconds_count${labels({ route })} ${latency.count}`);
    }
    return out;
  }
}

/** A family's HELP and TYPE lines. */
function family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
}

/**
 * The cache's figures and the server's request metrics in Prometheus' text format (version 0.0.4).
 * Two reads, whatever the number of datasets: their kept counters, and the run history counted by
 * dataset, kind and outcome.
 */
export async function metricsText(cache: Cache, requests: RequestMetrics): Promise<string> {
  const [datasets, runCounts, webhooks] = await Promise.all([cache.stats(), cache.datasetRunCounts(), cache.deliveries().list()]);
  // Each dataset's names, escaped once.
  const named = new Map(
    datasets.map((dataset) => [datasetKey(dataset), pairs({ integration: dataset.integration, connection: dataset.connection, model: dataset.model })]),
  );
  const names = (dataset: Dataset) => named.get(datasetKey(dataset));
  const out = [...family('rcache_datasets', 'gauge', 'Datasets in the cache.'), `rcache_datasets ${datasets.length}`];
  out.push(...family('rcache_records', 'gauge', 'Records of a dataset, by state.'));
  for (const dataset of datasets) {
    for (const state of ['live', 'deleted', 'pruned'] as const) out.push(`rcache_records{${names(dataset)},state="${state}"} ${dataset[state]}`);
  }
  const gauges = [
    ['rcache_payload_bytes', 'bytes', 'Payload bytes of a dataset.', 1],
    ['rcache_dataset_last_run_timestamp_seconds', 'lastRunAt', 'When the last run of a dataset (of any kind) finished, in seconds since the epoch.', 1000],
    [
      'rcache_dataset_last_change_timestamp_seconds',
      'lastChangeAt',
      'When a record of a dataset was last added, updated or deleted, in seconds since the epoch.',
      1000,
    ],
  ] as const;
  for (const [name, key, help, unit] of gauges) {
    out.push(...family(name, 'gauge', help));
    for (const dataset of datasets) if (dataset[key] !== null) out.push(`${name}{${names(dataset)}} ${dataset[key] / unit}`);
  }
  const byKind = new Map<string, number>();
  const byDataset = new Map<string, number>();
  for (const { kind, outcome, count, ...dataset } of runCounts) {
    const total = labels({ kind, outcome });
    byKind.set(total, (byKind.get(total) ?? 0) + count);
    // Runs of expired datasets count in the totals only: a series per dataset would outlive the dataset.
    const name = names(dataset);
    if (name === undefined) continue;
    const key = `{${name},${pairs({ kind })}}`;
    byDataset.set(key, (byDataset.get(key) ?? 0) + count);
  }
  out.push(...family('rcache_runs_total', 'counter', 'Committed runs, by kind and outcome.'));
  for (const [key, count] of [...byKind].sort(([a], [b]) => (a < b ? -1 : 1))) out.push(`rcache_runs_total${key} ${count}`);
  out.push(...family('rcache_dataset_runs_total', 'counter', 'Committed runs of a dataset, by kind.'));
  for (const [key, count] of byDataset) out.push(`rcache_dataset_runs_total${key} ${count}`);
  const receivers: [string, string, string, (state: (typeof webhooks)[number]) => number][] = [
    ['rcache_webhook_backlog', 'gauge', "Runs committed after a webhook receiver's position.", (state) => state.backlog],
    ['rcache_webhook_delivered_total', 'counter', 'Deliveries a webhook receiver took.', (state) => state.delivered],
    ['rcache_webhook_failures_total', 'counter', 'Failed attempts at delivering to a webhook receiver.', (state) => state.failures],
  ];
  for (const [name, type, help, value] of receivers) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const state of webhooks) out.push(`${name}${labels({ url: displayUrl(state.url) })} ${value(state)}`);
  }
  return [...out, ...requests.lines()].join('\n') + '\n';
}

/** A dataset's names as one string that no other dataset's can be (each name but the last with its length before it). */
function datasetKey({ integration, connection, model }: Dataset): string {
  return `${integration.length}:${integration}${connection.length}:${connection}${model}`;
}
