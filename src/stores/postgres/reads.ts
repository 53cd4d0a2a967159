import { StoreError } from '../../errors.js';
import type {
  Change,
  ChangePage,
  DatabaseInfo,
  Dataset,
  DatasetCounts,
  DatasetRef,
  DatasetRunCount,
  Horizon,
  RunCount,
  RunKind,
  RunQuery,
  RunRecord,
} from '../store.js';
import type { Connections } from './connection.js';
import { escapeText, unescapeText } from './text.js';

const CHANGE_COLUMNS = 'r.id, r.payload, r.position, r.action, r.first_seen_at, r.last_modified_at, r.deleted_at, r.pruned_at';
type ChangeRow = [number, string | null, string | null, number | null, Change['action'], number, number, number | null, number | null];

function toChange(row: ChangeRow): Change {
  return {
    id: unescapeText(row[1]!),
    payload: row[2],
    position: row[3]!,
    action: row[4],
    firstSeenAt: row[5],
    lastModifiedAt: row[6],
    deletedAt: row[7],
    prunedAt: row[8],
  };
}

/** A dataset's names as they are stored. */
export function names(dataset: Dataset): [string, string, string] {
  return [escapeText(dataset.integration), escapeText(dataset.connection), escapeText(dataset.model)];
}

/** A dataset's names as stored, read back. */
export function named(integration: string, connection: string, model: string): Dataset {
  return { integration: unescapeText(integration), connection: unescapeText(connection), model: unescapeText(model) };
}

/** `WHERE` clauses narrowing to the datasets matching every field given, with their parameters. */
export function narrow(dataset: Partial<Dataset> | undefined, params: unknown[]): string[] {
  const clauses: string[] = [];
  for (const key of ['integration', 'connection', 'model'] as const) {
    const value = dataset?.[key];
    if (value === undefined) continue;
    params.push(escapeText(value));
    clauses.push(`${key} = $${params.length}`);
  }
  return clauses;
}

function where(clauses: string[]): string {
  return clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
}

export async function info(conns: Connections): Promise<DatabaseInfo> {
  const [[bytes, lastPosition]] = (await conns.query<[number, number]>(
    `SELECT (SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'rcache' AND c.relkind IN ('r', 'S')),
            (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM rcache.positions)`,
  )) as [[number, number]];
  return { id: conns.databaseId, kind: 'PostgreSQL', location: conns.where, bytes, lastPosition, files: [] };
}

export async function findDataset(conns: Connections, dataset: Dataset): Promise<DatasetRef | undefined> {
  const rows = await conns.query<[number, number]>(
    'SELECT id, generation FROM rcache.datasets WHERE integration = $1 AND connection = $2 AND model = $3',
    names(dataset),
  );
  const row = rows[0];
  return row === undefined ? undefined : { ...dataset, uid: row[0], generation: row[1] };
}

export async function findHorizon(conns: Connections, dataset: Dataset): Promise<Horizon | undefined> {
  const rows = await conns.query<[number, number, Horizon['reason']]>(
    'SELECT position, at, reason FROM rcache.horizons WHERE integration = $1 AND connection = $2 AND model = $3',
    names(dataset),
  );
  const row = rows[0];
  return row === undefined ? undefined : { position: row[0], at: row[1], reason: row[2] };
}

export async function endOf(conns: Connections, dataset: Dataset): Promise<number> {
  // Not the sequence, which counts positions taken by runs in flight. A run takes its positions
  // while it holds the dataset's lock, which it got after every committed writer of the dataset
  // let it go: they are all above the dataset's committed ones.
  const rows = await conns.query<[number | null]>(
    `SELECT (SELECT max(position) FROM rcache.records WHERE dataset_id = d.id)
     FROM rcache.datasets d WHERE integration = $1 AND connection = $2 AND model = $3`,
    names(dataset),
  );
  return rows[0]?.[0] ?? 0;
}

function changed(ref: DatasetRef): StoreError {
  return new StoreError('dataset-changed', `dataset ${ref.model} was expired or reset while it was being read`);
}

export async function readChanges(conns: Connections, ref: DatasetRef, page: ChangePage): Promise<Change[]> {
  const params: unknown[] = [ref.uid, page.limit];
  const clauses = ['r.dataset_id = d.id'];
  const newest = page.order === 'newest-first';
  if (page.after !== undefined) {
    params.push(page.after);
    clauses.push(`r.position > $${params.length}`);
  }
  if (page.before !== undefined) {
    params.push(page.before);
    clauses.push(`r.position < $${params.length}`);
  }
  if (page.actions?.length) {
    params.push(JSON.stringify(page.actions));
    clauses.push(`r.action IN (SELECT json_array_elements_text($${params.length}::json))`);
  }
  if (page.ids?.length) {
    params.push(JSON.stringify(page.ids.map(escapeText)));
    clauses.push(`r.id IN (SELECT json_array_elements_text($${params.length}::json))`);
  }
  if (page.modifiedAfter !== undefined) {
    params.push(page.modifiedAfter);
    clauses.push(`r.last_modified_at >= $${params.length}`);
  }
  // One statement, one snapshot: the page and the dataset's identity are read together. No row
  // at all means the dataset is gone; a row of nulls, that the page is empty.
  const rows = await conns.query<ChangeRow>(
    `SELECT d.generation, ${CHANGE_COLUMNS}
     FROM rcache.datasets d LEFT JOIN LATERAL (
       SELECT ${CHANGE_COLUMNS} FROM rcache.records r WHERE ${clauses.join(' AND ')}
       ORDER BY r.position ${newest ? 'DESC' : 'ASC'} LIMIT $2
     ) r ON true
     WHERE d.id = $1`,
    params,
  );
  if (rows.length === 0 || rows[0]![0] !== ref.generation) throw changed(ref);
  return rows.filter((row) => row[1] !== null).map(toChange);
}

export async function readRecord(conns: Connections, ref: DatasetRef, id: string): Promise<Change | undefined> {
  const rows = await conns.query<ChangeRow>(
    `SELECT d.generation, ${CHANGE_COLUMNS}
     FROM rcache.datasets d LEFT JOIN rcache.records r ON r.dataset_id = d.id AND r.id = $2
     WHERE d.id = $1`,
    [ref.uid, escapeText(id)],
  );
  if (rows.length === 0 || rows[0]![0] !== ref.generation) throw changed(ref);
  return rows[0]![1] === null ? undefined : toChange(rows[0]!);
}

export async function datasets(conns: Connections, filter?: Partial<Dataset>): Promise<DatasetCounts[]> {
  const params: unknown[] = [];
  const rows = await conns.query<[string, string, string, number, number, number, number, number, number | null, number | null]>(
    `SELECT integration, connection, model, live, deleted, pruned, bytes, runs, last_run_at, last_change_at
     FROM rcache.datasets ${where(narrow(filter, params))}
     ORDER BY integration, connection, model`,
    params,
  );
  return rows.map(([integration, connection, model, live, deleted, pruned, bytes, runs, lastRunAt, lastChangeAt]) => ({
    ...named(integration, connection, model),
    live,
    deleted,
    pruned,
    bytes,
    runs,
    lastRunAt,
    lastChangeAt,
  }));
}

export async function runs(conns: Connections, query: RunQuery): Promise<RunRecord[]> {
  const params: unknown[] = [];
  const clauses = narrow(query.dataset, params);
  if (query.since !== undefined) {
    params.push(query.since);
    clauses.push(`started_at >= $${params.length}`);
  }
  if (query.after !== undefined) {
    params.push(query.after);
    clauses.push(`number > $${params.length}`);
  }
  let limit = '';
  if (query.limit !== undefined) {
    params.push(query.limit);
    limit = `LIMIT $${params.length}`;
  }
  type Row = [number, RunRecord['kind'], string, string, string, number, number, ...number[]];
  const rows = await conns.query<Row>(
    `SELECT number, kind, integration, connection, model, started_at, finished_at,
       added, updated, unchanged, deleted, unknown, duplicates, rejected, pruned
     FROM rcache.runs ${where(clauses)}
     ORDER BY number ${query.order === 'newest-first' ? 'DESC' : 'ASC'} ${limit}`,
    params,
  );
  return rows.map(
    ([number, kind, integration, connection, model, startedAt, finishedAt, added, updated, unchanged, deleted, unknown, duplicates, rejected, pruned]) => ({
      number,
      kind,
      ...named(integration, connection, model),
      startedAt,
      finishedAt,
      added: added!,
      updated: updated!,
      unchanged: unchanged!,
      deleted: deleted!,
      unknown: unknown!,
      duplicates: duplicates!,
      rejected: rejected!,
      pruned: pruned!,
    }),
  );
}

export async function runCounts(conns: Connections): Promise<RunCount[]> {
  const rows = await conns.query<[RunKind, RunCount['outcome'], number]>(
    `SELECT kind, CASE WHEN rejected > 0 THEN 'rejected'
         WHEN added + updated + deleted + pruned > 0 THEN 'changed' ELSE 'unchanged' END AS outcome,
       count(*)
     FROM rcache.runs GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return rows.map(([kind, outcome, count]) => ({ kind, outcome, count }));
}

export async function datasetRunCounts(conns: Connections): Promise<DatasetRunCount[]> {
  const rows = await conns.query<[string, string, string, RunKind, RunCount['outcome'], number]>(
    `SELECT integration, connection, model, kind, CASE WHEN rejected > 0 THEN 'rejected'
         WHEN added + updated + deleted + pruned > 0 THEN 'changed' ELSE 'unchanged' END AS outcome,
       count(*)
     FROM rcache.runs GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
  );
  return rows.map(([integration, connection, model, kind, outcome, count]) => ({ ...named(integration, connection, model), kind, outcome, count }));
}
