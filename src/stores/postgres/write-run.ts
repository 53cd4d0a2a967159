import type { DatasetMove, DatasetRef, RunEntry, StoredCheckpoint, StoredRecord, WriteOp, WriteRun } from '../store.js';
import { LOCK_CHECKPOINT, STORE_CHECKPOINT, stored } from './checkpoints.js';
import { CopyRows, copyField, copyIn } from './copy.js';
import { appendRun } from './history.js';
import { names } from './reads.js';
import { escapeText, unescapeText } from './text.js';
import type { Transaction } from './transaction.js';

/*
 * A batch of ops travels as two texts (the driver serialises array parameters slowly): the ops as
 * JSON, and their payloads one a line, which the server splits several times faster than it
 * parses them out of JSON (a payload with a line break in it, which no NDJSON line has, goes as
 * JSON instead). The batch is applied by one statement. Positions are taken with nextval in op order, over rows sorted by
 * their index, by every op but a restore and an insert of an id already stored (the first insert
 * of an id wins). Several ops on one row in a batch leave the last one's state: the combinations
 * a run produces (a record replaced twice, a pruned record restored and then replaced) need no more.
 */
const WRITE_TEMPLATE = `
WITH input AS (
  SELECT t.*, pl.p FROM json_to_recordset($3::json) AS t(n int, o text, k bigint, i text, a text, h text, r text, s int, f bigint)
  LEFT JOIN PAYLOADS AS pl(p, n) USING (n)
),
fresh AS (
  SELECT n FROM (SELECT n, i, row_number() OVER (PARTITION BY i ORDER BY n) AS nth FROM input WHERE o = 'insert') x
  WHERE nth = 1 AND NOT EXISTS (SELECT 1 FROM rcache.records r WHERE r.dataset_id = $1::bigint AND r.id = x.i)
),
positioned AS MATERIALIZED (
  SELECT ordered.*, CASE WHEN takes THEN nextval('rcache.positions') END AS position
  FROM (SELECT input.*, (o IN ('replace', 'delete') OR fresh.n IS NOT NULL) AS takes
        FROM input LEFT JOIN fresh USING (n) ORDER BY n) ordered
),
inserted AS (
  INSERT INTO rcache.records (dataset_id, id, position, action, hash, raw_hash, payload, size, first_seen_at, last_modified_at)
  SELECT $1::bigint, i, position, 'ADDED', h, r, p, s, $2::bigint, $2::bigint FROM positioned WHERE o = 'insert' AND takes
  RETURNING rowid, position
),
latest AS (
  SELECT DISTINCT ON (k) * FROM positioned WHERE o <> 'insert' ORDER BY k, n DESC
),
updated AS (
  UPDATE rcache.records AS r SET
    position = coalesce(l.position, r.position),
    action = CASE l.o WHEN 'replace' THEN l.a WHEN 'delete' THEN 'DELETED' ELSE r.action END,
    hash = CASE l.o WHEN 'replace' THEN l.h ELSE r.hash END,
    raw_hash = CASE l.o WHEN 'delete' THEN r.raw_hash ELSE l.r END,
    payload = CASE l.o WHEN 'delete' THEN r.payload ELSE l.p END,
    size = CASE l.o WHEN 'delete' THEN r.size ELSE l.s END,
    first_seen_at = CASE l.o WHEN 'replace' THEN l.f ELSE r.first_seen_at END,
    last_modified_at = CASE l.o WHEN 'restore' THEN r.last_modified_at ELSE $2 END,
    deleted_at = CASE l.o WHEN 'replace' THEN NULL WHEN 'delete' THEN $2 ELSE r.deleted_at END,
    pruned_at = CASE l.o WHEN 'delete' THEN r.pruned_at ELSE NULL END
  FROM latest l
  WHERE r.dataset_id = $1 AND r.rowid = l.k
  RETURNING 1
)
SELECT (SELECT count(*) FROM updated) AS updated,
  (SELECT count(*) FROM positioned WHERE takes) AS taken,
  (SELECT coalesce(json_agg(json_build_array(p.n, ins.rowid)), '[]') FROM inserted ins JOIN positioned p USING (position))::text AS rowids`;

const WRITE_LINES = WRITE_TEMPLATE.replace('PAYLOADS', `unnest(string_to_array($4, E'\\n')) WITH ORDINALITY`);
const WRITE_JSON = WRITE_TEMPLATE.replace('PAYLOADS', 'json_array_elements_text($4::json) WITH ORDINALITY');

/*
 * A batch of new records with distinct ids goes by COPY, several times cheaper for the server
 * than an INSERT of the same rows. First, one round trip checks that none of the ids is stored
 * and takes a row id and a position for each, in order; when one is stored, nothing is taken and
 * the batch goes by WRITE instead, which skips it.
 */
const RESERVE = `
SELECT CASE WHEN NOT EXISTS (
  SELECT 1 FROM json_array_elements_text($2::json) AS x(i)
  WHERE EXISTS (SELECT 1 FROM rcache.records r WHERE r.dataset_id = $1 AND r.id = x.i)
) THEN (SELECT string_agg(nextval('rcache.rowids') || ',' || nextval('rcache.positions'), ',') FROM generate_series(1, $3)) END`;

const COPY_RECORDS = `COPY rcache.records (rowid, dataset_id, id, position, action, hash, raw_hash, payload, size, first_seen_at, last_modified_at) FROM STDIN`;
/** Below this many new records, a batch goes by WRITE: two round trips would cost more than they save. */
const COPY_THRESHOLD = 64;

const LOOKUP = `
SELECT rowid, id, position, action, hash, raw_hash, size, first_seen_at, deleted_at, pruned_at
FROM rcache.records
WHERE dataset_id = $1 AND id IN (SELECT json_array_elements_text($2::json))`;

const PAYLOADS = `
SELECT rowid, payload FROM rcache.records
WHERE dataset_id = $1 AND rowid IN (SELECT value::bigint FROM json_array_elements_text($2::json))`;

const UNTOUCHED_LIVE = `
SELECT rowid, id FROM rcache.records
WHERE dataset_id = $1 AND deleted_at IS NULL AND position <= $2 AND rowid > $3
ORDER BY rowid LIMIT $4`;

type StoredRow = [number, string, number, StoredRecord['action'], string, string, number, number, number | null, number | null];

export interface RunStart {
  dataset: DatasetRef;
  time: number;
  startPosition: number;
  emptyAtStart: boolean;
  liveAtStart: number;
}

/** One writing run: a transaction on its own connection, holding the dataset's row lock. */
export class PostgresRun implements WriteRun {
  readonly dataset: DatasetRef;
  readonly time: number;
  readonly startPosition: number;
  readonly emptyAtStart: boolean;
  readonly liveAtStart: number;

  constructor(
    private readonly tx: Transaction,
    start: RunStart,
  ) {
    this.dataset = start.dataset;
    this.time = start.time;
    this.startPosition = start.startPosition;
    this.emptyAtStart = start.emptyAtStart;
    this.liveAtStart = start.liveAtStart;
  }

  private query<R extends unknown[] = unknown[]>(sql: string, params: unknown[]): Promise<R[]> {
    return this.tx.query<R>(sql, params);
  }

  async lookup(ids: readonly string[]): Promise<Map<string, StoredRecord>> {
    const found = new Map<string, StoredRecord>();
    if (ids.length === 0) return found;
    const rows = await this.query<StoredRow>(LOOKUP, [this.dataset.uid, JSON.stringify(ids.map(escapeText))]);
    for (const [rowid, id, position, action, hash, rawHash, size, firstSeenAt, deletedAt, prunedAt] of rows) {
      const record: StoredRecord = { rowid, id: unescapeText(id), position, action, hash, rawHash, size, firstSeenAt, deletedAt, prunedAt };
      found.set(record.id, record);
    }
    return found;
  }

  async payloads(rowids: readonly number[]): Promise<Map<number, string | null>> {
    const found = new Map<number, string | null>();
    if (rowids.length === 0) return found;
    const rows = await this.query<[number, string | null]>(PAYLOADS, [this.dataset.uid, JSON.stringify(rowids)]);
    for (const [rowid, payload] of rows) found.set(rowid, payload);
    return found;
  }

  async write(ops: readonly WriteOp[]): Promise<(number | undefined)[]> {
    if (ops.length === 0) return [];
    if (ops.length >= COPY_THRESHOLD && ops.every((op) => op.op === 'insert')) {
      const rowids = await this.copy(ops as Extract<WriteOp, { op: 'insert' }>[]);
      if (rowids !== undefined) return rowids;
    }
    const payloads: string[] = [];
    let lines = true;
    const input = ops.map((op, index) => {
      const n = index + 1;
      const payload = op.op === 'delete' ? '' : op.payload;
      if (payload.includes('\n')) lines = false;
      payloads.push(payload);
      switch (op.op) {
        case 'insert':
          return { n, o: op.op, i: escapeText(op.id), h: op.hash, r: op.rawHash, s: op.size };
        case 'replace':
          return { n, o: op.op, k: op.rowid, a: op.action, h: op.hash, r: op.rawHash, s: op.size, f: op.firstSeenAt };
        case 'restore':
          return { n, o: op.op, k: op.rowid, r: op.rawHash, s: op.size };
        default:
          return { n, o: op.op, k: op.rowid };
      }
    });
    const [[, , rowidsText]] = (await this.query<[number, number, string]>(lines ? WRITE_LINES : WRITE_JSON, [
      this.dataset.uid,
      this.time,
      JSON.stringify(input),
      lines ? payloads.join('\n') : JSON.stringify(payloads),
    ])) as [[number, number, string]];
    const rowidOf = new Map<number, number>(JSON.parse(rowidsText) as [number, number][]);
    const result: (number | undefined)[] = [];
    ops.forEach((op, index) => {
      if (op.op === 'insert') result.push(rowidOf.get(index + 1));
    });
    return result;
  }

  /** Inserts new records by COPY; undefined (nothing written) when an id repeats or is stored already. */
  private async copy(inserts: Extract<WriteOp, { op: 'insert' }>[]): Promise<number[] | undefined> {
    const ids = inserts.map((insert) => escapeText(insert.id));
    if (new Set(ids).size !== ids.length) return undefined;
    const [[reserved]] = (await this.query<[string | null]>(RESERVE, [this.dataset.uid, JSON.stringify(ids), ids.length])) as [[string | null]];
    if (reserved === null) return undefined;
    const numbers = reserved.split(',');
    const rowids: number[] = [];
    const time = String(this.time);
    const uid = String(this.dataset.uid);
    const rows = new CopyRows(inserts.reduce((bytes, insert) => bytes + insert.size + 160, 0));
    inserts.forEach((insert, i) => {
      const rowid = numbers[2 * i]!;
      rowids.push(Number(rowid));
      rows.add(`${rowid}\t${uid}\t${copyField(ids[i]!)}\t${numbers[2 * i + 1]}\tADDED\t${copyField(insert.hash)}\t${copyField(insert.rawHash)}\t`);
      rows.add(copyField(insert.payload));
      rows.add(`\t${insert.size}\t${time}\t${time}\n`);
    });
    // The rows are the server's to write while the next batch is prepared: the rowids are known.
    this.tx.send(() => copyIn(this.tx.client, COPY_RECORDS, rows.buffer));
    return rowids;
  }

  async untouchedLive(afterRowid: number, limit: number): Promise<{ rowid: number; id: string }[]> {
    const rows = await this.query<[number, string]>(UNTOUCHED_LIVE, [this.dataset.uid, this.startPosition, afterRowid, limit]);
    return rows.map(([rowid, id]) => ({ rowid, id: unescapeText(id) }));
  }

  async commit(run: RunEntry, move: DatasetMove, checkpoint?: string): Promise<void> {
    await this.tx.guard(() => appendRun(this.tx.client, this.dataset, run, move, this.time));
    if (checkpoint !== undefined) await this.query(STORE_CHECKPOINT, [...names(this.dataset), run.finishedAt, checkpoint]);
    await this.tx.commit();
  }

  async readCheckpoint(): Promise<StoredCheckpoint> {
    return stored((await this.query<[string | null, number, number | null]>(LOCK_CHECKPOINT, names(this.dataset)))[0]);
  }

  abort(): Promise<void> {
    return this.tx.abort();
  }
}
