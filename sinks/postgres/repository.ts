/**
 * The Postgres sink's SQL: batched, idempotent writes. Every statement takes a `Queryable`, so
 * the sink runs them inside one transaction per Kafka batch.
 *
 * Predictions go through pcc.prediction_keys first (ON CONFLICT DO NOTHING): only the
 * (case_id, source) pairs that were new are inserted into the partitioned predictions table, so
 * a replayed or duplicated prediction leaves exactly one row.
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Queryable } from '../../lib/db';
import type { DeadLetterValue, PredictionValue } from '../../processors/pipeline';
import { COPY_HEADER_BYTES, COPY_TRAILER, CopyBinaryWriter } from './copy-binary';
import type { RowKey } from './transcode';

export interface AlertValue {
  alert_id: string;
  fingerprint: string;
  kind: string;
  severity: string;
  status: string;
  metric: string;
  value: number;
  threshold: number;
  window_start: number;
  window_end: number;
  source: string;
  details: string;
  emitted_at: number;
}

const DAY_MS = 86_400_000;

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** UTC days (YYYY-MM-DD) that `times` fall in. */
export function daysOf(times: number[]): string[] {
  return [...new Set(times.map((t) => new Date(Math.floor(t / DAY_MS) * DAY_MS).toISOString().slice(0, 10)))];
}

export async function ensurePartitions(db: Queryable, days: string[]): Promise<void> {
  if (days.length === 0) return;
  await db.query('SELECT pcc.ensure_prediction_partition(d::date) FROM unnest($1::text[]) AS d', [days]);
}

/** What `insertPredictions` needs: a client (COPY runs on one connection), not a pool. */
export type CopyQueryable = Pick<pg.ClientBase, 'query'>;

const PREDICTION_COLUMNS = [
  'case_id', 'source', 'intent', 'is_privacy', 'confidence', 'probabilities', 'embedding', 'model_version', 'redacted_excerpt',
  'pii_found', 'warnings', 'channel', 'language', 'jurisdiction', 'received_at', 'predicted_at', 'processing_ms',
  'ground_truth_intent', 'batch_id', 'sla_due_at', 'source_partition', 'source_offset',
].join(', ');

/** A prediction as the sink holds it: its float arrays may be Float32Arrays (lib/avro-float32.ts). */
export type StoredPrediction = Omit<PredictionValue, 'probabilities' | 'embedding'> & { probabilities: ArrayLike<number>; embedding: ArrayLike<number> };

/** Bytes per row to reserve: a row with a 128-float embedding and a full excerpt is ~1.7 KB. */
export const COPY_ROW_BYTES = 2_048;

/** One prediction as a binary COPY row, in PREDICTION_COLUMNS order (sinks/postgres/transcode.ts writes the same bytes from Avro). */
export function writePredictionRow(w: CopyBinaryWriter, r: StoredPrediction): void {
  w.row(22)
    .text(r.case_id).text(r.source).text(r.intent).bool(r.is_privacy).float4(r.confidence)
    .float4Array(r.probabilities).float4Array(r.embedding).text(r.model_version).text(r.redacted_excerpt)
    .textArray(r.pii_found).textArray(r.warnings).text(r.channel).text(r.language).text(r.jurisdiction)
    .timestamptz(r.received_at).timestamptz(r.predicted_at).float4(r.processing_ms)
    .text(r.ground_truth_intent).text(r.batch_id).timestamptz(r.sla_due_at).int4(r.source_partition).int8(r.source_offset);
}


/**
 * A batch of predictions already written as COPY rows: `data` is the whole COPY payload (header,
 * rows, trailer); row i is data[starts[i], ends[i]) and has key keys[i].
 */
export interface PredictionRows {
  data: Buffer;
  keys: readonly RowKey[];
  starts: readonly number[];
  ends: readonly number[];
}

/**
 * Collects a batch's COPY rows in one writer (reset when the builder is made) with each row's key
 * and byte range: rows encoded from predictions (`add`), or written by the caller straight into
 * the writer (`added`, sinks/postgres/transcode.ts).
 */
export class PredictionRowsBuilder {
  private readonly keys: RowKey[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  constructor(readonly writer: CopyBinaryWriter) {
    writer.reset();
  }

  add(r: StoredPrediction): void {
    const start = this.writer.position;
    writePredictionRow(this.writer, r);
    this.added({ caseId: r.case_id, source: r.source, predictedAt: r.predicted_at }, start);
  }

  /** Records the row the caller wrote into the writer since `start`. */
  added(key: RowKey, start: number): void {
    this.keys.push(key);
    this.starts.push(start);
    this.ends.push(this.writer.position);
  }

  /** The rows; `data` is a view of the writer's buffer, valid until the writer's next use. */
  finish(): PredictionRows {
    return { data: this.writer.finish(), keys: this.keys, starts: this.starts, ends: this.ends };
  }
}

/** Predictions as binary COPY rows in the writer's buffer (see PredictionRowsBuilder). */
export function encodePredictionRows(rows: readonly StoredPrediction[], writer: CopyBinaryWriter): PredictionRows {
  const b = new PredictionRowsBuilder(writer);
  for (const r of rows) b.add(r);
  return b.finish();
}

/** The COPY payload of some of the rows (a replay or an in-batch duplicate left out). */
function copySubset(rows: PredictionRows, take: readonly number[]): Buffer {
  const parts = [rows.data.subarray(0, COPY_HEADER_BYTES)];
  for (const i of take) parts.push(rows.data.subarray(rows.starts[i], rows.ends[i]));
  parts.push(COPY_TRAILER);
  return Buffer.concat(parts);
}

async function copyIn(db: CopyQueryable, sql: string, data: Buffer): Promise<void> {
  const stream = db.query(copyFrom(sql));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(data);
  });
}

/**
 * Inserts the predictions whose (case_id, source) is new; returns the rows added per source.
 * Runs inside the caller's transaction (it refuses to run outside one: the ledger insert and the
 * COPY must commit together) and takes a client, not a pool: COPY runs on one connection.
 */
export async function insertPredictions(db: CopyQueryable, rows: StoredPrediction[]): Promise<Record<string, number>> {
  if (rows.length === 0) return {};
  return insertPredictionRows(db, encodePredictionRows(rows, new CopyBinaryWriter(rows.length * COPY_ROW_BYTES + 1_024)));
}

/** `insertPredictions` for rows already in COPY form (the sink's path). `rows.data` is not changed. */
export async function insertPredictionRows(db: CopyQueryable, rows: PredictionRows): Promise<Record<string, number>> {
  const n = rows.keys.length;
  if (n === 0) return {};
  // One row per key inside the batch too: the ledger insert skips in-batch duplicates, and the
  // COPY below takes the rows whose key it inserted.
  const keyOf = (source: string, caseId: string) => `${source}\u0000${caseId}`;
  const seen = new Set<string>();
  const uniq: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = keyOf(rows.keys[i].source, rows.keys[i].caseId);
    if (seen.has(k)) continue;
    seen.add(k);
    uniq.push(i);
  }
  // A savepoint outside a transaction block is an error: the guard that the two writes below
  // commit or roll back together (a ledger key without its row would hide the case for good).
  await db.query('SAVEPOINT pcc_insert_predictions');
  // The new keys first, straight from arrays; then only their rows, by binary COPY into the
  // partitioned table (no staging table to fill, scan and join). Usually every key is new and
  // Postgres returns one count; when some were stored before (a replay), the insert is undone and
  // done again returning the keys it added, so that only their rows are copied.
  const params = [uniq.map((i) => rows.keys[i].caseId), uniq.map((i) => rows.keys[i].source), uniq.map((i) => rows.keys[i].predictedAt)];
  const insertKeys = `INSERT INTO pcc.prediction_keys (case_id, source, predicted_at)
     SELECT k.case_id, k.source, timestamptz 'epoch' + k.ms * interval '1 millisecond'
     FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(case_id, source, ms)
     ON CONFLICT (case_id, source) DO NOTHING`;
  const counted = await db.query(`WITH added AS (${insertKeys} RETURNING 1) SELECT count(*)::int AS n FROM added`, params);
  const added = (counted.rows[0] as { n: number }).n;
  if (added === 0) return {};
  let fresh = uniq;
  if (added < uniq.length) {
    await db.query('ROLLBACK TO SAVEPOINT pcc_insert_predictions');
    const keys = (await db.query(`${insertKeys} RETURNING case_id, source`, params)).rows as { case_id: string; source: string }[];
    const isNew = new Set(keys.map((k) => keyOf(k.source, k.case_id)));
    fresh = uniq.filter((i) => isNew.has(keyOf(rows.keys[i].source, rows.keys[i].caseId)));
  }
  const data = fresh.length === n ? rows.data : copySubset(rows, fresh);
  await copyIn(db, `COPY pcc.predictions (${PREDICTION_COLUMNS}) FROM STDIN (FORMAT binary)`, data);
  const bySource: Record<string, number> = {};
  for (const i of fresh) bySource[rows.keys[i].source] = (bySource[rows.keys[i].source] ?? 0) + 1;
  return bySource;
}

export async function insertDeadLetters(db: Queryable, rows: DeadLetterValue[]): Promise<number> {
  if (rows.length === 0) return 0;
  const res = await db.query(
    `INSERT INTO pcc.dead_letters (source_topic, source_partition, source_offset, case_id, source, reason_code, reason, failed_at, payload, payload_redacted)
     SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::bytea[], $10::boolean[])
     ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING`,
    [
      rows.map((r) => r.source_topic),
      rows.map((r) => r.source_partition),
      rows.map((r) => r.source_offset),
      rows.map((r) => r.case_id),
      rows.map((r) => r.source),
      rows.map((r) => r.reason_code),
      rows.map((r) => r.reason),
      rows.map((r) => iso(r.failed_at)),
      rows.map((r) => r.payload),
      rows.map((r) => r.payload_redacted),
    ],
  );
  return res.rowCount ?? 0;
}

/** Firing events insert an alert episode; resolved events close it. Replays change nothing. */
export async function upsertAlerts(db: Queryable, rows: AlertValue[]): Promise<number> {
  let n = 0;
  for (const a of rows) {
    let details: unknown = {};
    try {
      details = a.details ? JSON.parse(a.details) : {};
    } catch {
      details = { unparsed: true };
    }
    const res = await db.query(
      `INSERT INTO pcc.alerts (alert_id, fingerprint, kind, severity, status, metric, value, threshold, window_start, window_end, source, details, fired_at, resolved_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CASE WHEN $5 = 'resolved' THEN $13::timestamptz END)
       ON CONFLICT (alert_id) DO UPDATE SET
         status = CASE WHEN pcc.alerts.status = 'resolved' THEN 'resolved' ELSE EXCLUDED.status END,
         resolved_at = COALESCE(pcc.alerts.resolved_at, EXCLUDED.resolved_at),
         severity = CASE WHEN EXCLUDED.status = 'firing' THEN EXCLUDED.severity ELSE pcc.alerts.severity END,
         value = EXCLUDED.value,
         updated_at = clock_timestamp()`,
      [a.alert_id, a.fingerprint, a.kind, a.severity, a.status, a.metric, a.value, a.threshold, iso(a.window_start), iso(a.window_end), a.source, JSON.stringify(details), iso(a.emitted_at)],
    );
    n += res.rowCount ?? 0;
  }
  return n;
}

export interface RetentionResult {
  dropped: string[];
  keysDeleted: number;
}

/** Drops daily prediction partitions wholly older than `days` days, and their ledger rows. */
export async function dropOldPartitions(db: Queryable, days: number, nowMs = Date.now()): Promise<RetentionResult> {
  const cutoff = new Date(Math.floor((nowMs - days * DAY_MS) / DAY_MS) * DAY_MS);
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
      WHERE n.nspname = 'pcc' AND p.relname = 'predictions' AND c.relname ~ '^predictions_[0-9]{8}$'
      ORDER BY c.relname`,
  );
  const cutoffTag = cutoff.toISOString().slice(0, 10).replace(/-/g, '');
  const dropped: string[] = [];
  for (const { name } of rows) {
    if (name.slice('predictions_'.length) < cutoffTag) {
      await db.query(`DROP TABLE pcc.${name}`);
      dropped.push(`pcc.${name}`);
    }
  }
  const del = await db.query('DELETE FROM pcc.prediction_keys WHERE predicted_at < $1', [cutoff.toISOString()]);
  return { dropped, keysDeleted: del.rowCount ?? 0 };
}
