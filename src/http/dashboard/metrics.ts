import type { Cache } from '../../cache/cache.js';
import { displayUrl } from '../../decisions/url.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Label values may hold anything a dataset name holds: Prometheus escapes \, " and newlines. */
function labels(pairs: Record<string, string>): string {
  const text = Object.entries(pairs)
    .map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
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
    const out = [
      '# HELP rcache_http_requests_total HTTP requests answered, by method, route and status.',
      '# TYPE rcache_http_requests_total counter',
    ];
    for (const [key, count] of this.requests) {
      const [method, route, status] = JSON.parse(key) as string[];
      out.push(`rcache_http_requests_total${labels({ method: method!, route: route!, status: status! })} ${count}`);
    }
    out.push('# HELP rcache_http_request_duration_seconds Time to answer a request, by route.', '# TYPE rcache_http_request_duration_seconds histogram');
    for (const [route, latency] of this.latency) {
      BUCKETS.forEach((bound, i) => out.push(`rcache_http_request_duration_seconds_bucket${labels({ route, le: String(bound) })} ${latency.counts[i]}`));
      out.push(`rcache_http_request_duration_seconds_bucket${labels({ route, le: '+Inf' })} ${latency.count}`);
      out.push(`rcache_http_request_duration_seconds_sum${labels({ route })} ${latency.sum}`);
      out.push(`rcache_http_request_duration_seconds_count${labels({ route })} ${latency.count}`);
    }
    return out;
  }
}

/** The cache's figures and the server's request metrics in Prometheus' text format (version 0.0.4). */
export async function metricsText(cache: Cache, requests: RequestMetrics): Promise<string> {
  const [datasets, runCounts, webhooks] = await Promise.all([cache.stats(), cache.runCounts(), cache.deliveries().list()]);
  const out = ['# HELP rcache_datasets Datasets in the cache.', '# TYPE rcache_datasets gauge', `rcache_datasets ${datasets.length}`];
  out.push('# HELP rcache_records Records of a dataset, by state.', '# TYPE rcache_records gauge');
  for (const dataset of datasets) {
    const names = { integration: dataset.integration, connection: dataset.connection, model: dataset.model };
    for (const state of ['live', 'deleted', 'pruned'] as const) out.push(`rcache_records${labels({ ...names, state })} ${dataset[state]}`);
  }
  out.push('# HELP rcache_payload_bytes Payload bytes of a dataset.', '# TYPE rcache_payload_bytes gauge');
  for (const dataset of datasets) {
    out.push(`rcache_payload_bytes${labels({ integration: dataset.integration, connection: dataset.connection, model: dataset.model })} ${dataset.bytes}`);
  }
  out.push('# HELP rcache_runs_total Committed runs, by kind and outcome.', '# TYPE rcache_runs_total counter');
  for (const { kind, outcome, count } of runCounts) out.push(`rcache_runs_total${labels({ kind, outcome })} ${count}`);
  const receivers: [string, string, string, (state: (typeof webhooks)[number]) => number][] = [
    ['rcache_webhook_backlog', 'gauge', 'Runs committed after a webhook receiver\'s position.', (state) => state.backlog],
    ['rcache_webhook_delivered_total', 'counter', 'Deliveries a webhook receiver took.', (state) => state.delivered],
    ['rcache_webhook_failures_total', 'counter', 'Failed attempts at delivering to a webhook receiver.', (state) => state.failures],
  ];
  for (const [name, type, help, value] of receivers) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const state of webhooks) out.push(`${name}${labels({ url: displayUrl(state.url) })} ${value(state)}`);
  }
  return [...out, ...requests.lines()].join('\n') + '\n';
}
