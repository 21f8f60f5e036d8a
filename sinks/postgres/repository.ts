/**
 * The Postgres sink's SQL: batched, idempotent writes. Every statement takes a `Queryable`, so
 * the sink runs them inside one transaction per Kafka batch.
 *
 * Predictions go through pcc.prediction_keys first (ON CONFLICT DO NOTHING): only the
 * (case_id, source) pairs that were new are inserted into the partitioned predictions table, so
 * a replayed or duplicated prediction leaves exactly one row.
 */
import type { Queryable } from '../../lib/db';
import type { DeadLetterValue, PredictionValue } from '../../processors/pipeline';

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

function pgArray(values: ArrayLike<number>): string {
  let s = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    s += (i ? ',' : '') + (Number.isFinite(v) ? String(v) : '0');
  }
  return s + '}';
}

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

/** Inserts the predictions whose (case_id, source) is new; returns the rows added per source. */
export async function insertPredictions(db: Queryable, rows: PredictionValue[]): Promise<Record<string, number>> {
  if (rows.length === 0) return {};
  // One row per key inside the batch too: the ledger insert skips in-batch duplicates, but the
  // join below would otherwise insert both copies.
  const seen = new Set<string>();
  const uniq = rows.filter((r) => {
    const k = `${r.source}\u0000${r.case_id}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const cols = {
    case_id: [] as string[], source: [] as string[], intent: [] as string[], is_privacy: [] as boolean[], confidence: [] as number[],
    probabilities: [] as string[], embedding: [] as string[], model_version: [] as string[], redacted_excerpt: [] as string[],
    pii_found: [] as string[], warnings: [] as string[], channel: [] as (string | null)[], language: [] as (string | null)[],
    jurisdiction: [] as (string | null)[], received_at: [] as string[], predicted_at: [] as string[], processing_ms: [] as number[],
    ground_truth_intent: [] as (string | null)[], batch_id: [] as (string | null)[], sla_due_at: [] as (string | null)[],
    source_partition: [] as number[], source_offset: [] as number[],
  };
  for (const r of uniq) {
    cols.case_id.push(r.case_id);
    cols.source.push(r.source);
    cols.intent.push(r.intent);
    cols.is_privacy.push(r.is_privacy);
    cols.confidence.push(r.confidence);
    cols.probabilities.push(pgArray(r.probabilities));
    cols.embedding.push(pgArray(r.embedding));
    cols.model_version.push(r.model_version);
    cols.redacted_excerpt.push(r.redacted_excerpt);
    cols.pii_found.push(`{${r.pii_found.map((x) => `"${x}"`).join(',')}}`);
    cols.warnings.push(`{${r.warnings.map((x) => `"${x}"`).join(',')}}`);
    cols.channel.push(r.channel);
    cols.language.push(r.language);
    cols.jurisdiction.push(r.jurisdiction);
    cols.received_at.push(iso(r.received_at)!);
    cols.predicted_at.push(iso(r.predicted_at)!);
    cols.processing_ms.push(r.processing_ms);
    cols.ground_truth_intent.push(r.ground_truth_intent);
    cols.batch_id.push(r.batch_id);
    cols.sla_due_at.push(iso(r.sla_due_at));
    cols.source_partition.push(r.source_partition);
    cols.source_offset.push(r.source_offset);
  }
  const res = await db.query(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::real[], $6::text[], $7::text[], $8::text[],
                            $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::timestamptz[],
                            $16::timestamptz[], $17::real[], $18::text[], $19::text[], $20::timestamptz[], $21::int[], $22::bigint[])
         AS t(case_id, source, intent, is_privacy, confidence, probabilities, embedding, model_version, redacted_excerpt,
              pii_found, warnings, channel, language, jurisdiction, received_at, predicted_at, processing_ms,
              ground_truth_intent, batch_id, sla_due_at, source_partition, source_offset)
     ), fresh AS (
       INSERT INTO pcc.prediction_keys (case_id, source, predicted_at)
       SELECT case_id, source, predicted_at FROM input
       ON CONFLICT (case_id, source) DO NOTHING
       RETURNING case_id, source
     )
     INSERT INTO pcc.predictions (case_id, source, intent, is_privacy, confidence, probabilities, embedding, model_version,
       redacted_excerpt, pii_found, warnings, channel, language, jurisdiction, received_at, predicted_at, processing_ms,
       ground_truth_intent, batch_id, sla_due_at, source_partition, source_offset)
     SELECT i.case_id, i.source, i.intent, i.is_privacy, i.confidence, i.probabilities::real[], i.embedding::real[], i.model_version,
       i.redacted_excerpt, i.pii_found::text[], i.warnings::text[], i.channel, i.language, i.jurisdiction, i.received_at, i.predicted_at,
       i.processing_ms, i.ground_truth_intent, i.batch_id, i.sla_due_at, i.source_partition, i.source_offset
     FROM input i JOIN fresh f ON f.case_id = i.case_id AND f.source = i.source
     RETURNING source`,
    Object.values(cols),
  );
  const bySource: Record<string, number> = {};
  for (const r of res.rows as { source: string }[]) bySource[r.source] = (bySource[r.source] ?? 0) + 1;
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
