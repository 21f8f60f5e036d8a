/**
 * The gateway's reads from Postgres: a case's prediction and audit trail, and the rolling
 * 7-day monitoring window from the pcc.v_daily_* views (migrations/0002), split by source.
 * Times leave here as ISO 8601 strings and days as YYYY-MM-DD (UTC).
 */
import type pg from 'pg';
import { INTENTS, SOURCES, type Source } from '../lib/taxonomy';

export const iso = (v: unknown): string | null => (v == null ? null : new Date(v as string | number | Date).toISOString());
const num = (v: unknown): number | null => (v == null ? null : Number(v));

/** Calibrated probabilities, stored or on the wire in the taxonomy's order, keyed by label. */
export function probabilityMap(probs: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  INTENTS.forEach((label, i) => (out[label] = Number(probs[i] ?? 0)));
  return out;
}

const PREDICTION_COLUMNS = `case_id, source, intent, is_privacy, confidence, probabilities, model_version, redacted_excerpt,
  pii_found, warnings, channel, language, jurisdiction, received_at, predicted_at, stored_at, processing_ms,
  ground_truth_intent, batch_id, sla_due_at`;

export async function findPrediction(pool: pg.Pool, caseId: string, source?: Source) {
  const { rows } = await pool.query(
    `SELECT ${PREDICTION_COLUMNS} FROM pcc.predictions WHERE case_id = $1 ${source ? 'AND source = $2' : ''}
     ORDER BY (source = 'real') DESC, predicted_at DESC LIMIT 1`,
    source ? [caseId, source] : [caseId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    case_id: r.case_id as string,
    source: r.source as Source,
    intent: r.intent,
    is_privacy: r.is_privacy as boolean,
    confidence: Number(r.confidence),
    probabilities: probabilityMap(r.probabilities as number[]),
    model_version: r.model_version as string,
    pii_found: r.pii_found as string[],
    warnings: r.warnings as string[],
    sla_due_at: iso(r.sla_due_at),
    received_at: iso(r.received_at)!,
    predicted_at: iso(r.predicted_at)!,
    stored_at: iso(r.stored_at)!,
    channel: r.channel as string | null,
    language: r.language as string | null,
    jurisdiction: r.jurisdiction as string | null,
    redacted_excerpt: r.redacted_excerpt as string,
    processing_ms: Number(r.processing_ms),
    batch_id: r.batch_id as string | null,
    ground_truth_intent: r.ground_truth_intent,
  };
}

/** The audit trail of a case, oldest event first; null when PCC has no record of it. */
export async function caseAudit(pool: pg.Pool, caseId: string) {
  const { rows } = await pool.query(
    `SELECT case_id, source, received_at, predicted_at, stored_at, model_version, intent, confidence, warnings, sla_due_at,
            batch_id, dead_lettered, dead_letter_reason_code, dead_letter_reason, dead_lettered_at, dead_letter_replayed_at
     FROM pcc.v_case_audit WHERE case_id = $1
     ORDER BY (source = 'real') DESC NULLS LAST LIMIT 1`,
    [caseId],
  );
  const r = rows[0];
  if (!r) return null;
  const events: { event: string; at: string | null; detail: Record<string, string | number | boolean | null | string[]> }[] = [];
  if (r.received_at) events.push({ event: 'received', at: iso(r.received_at), detail: { source: r.source } });
  if (r.predicted_at) {
    events.push({ event: 'validated', at: iso(r.predicted_at), detail: { warnings: r.warnings ?? [] } });
    events.push({ event: 'predicted', at: iso(r.predicted_at), detail: { intent: r.intent, confidence: Number(r.confidence), model_version: r.model_version, sla_due_at: iso(r.sla_due_at) } });
  }
  if (r.stored_at) events.push({ event: 'stored', at: iso(r.stored_at), detail: { table: 'pcc.predictions', batch_id: r.batch_id ?? null } });
  if (r.dead_lettered) {
    events.push({ event: 'dead_lettered', at: iso(r.dead_lettered_at), detail: { reason_code: r.dead_letter_reason_code, reason: r.dead_letter_reason } });
    if (r.dead_letter_replayed_at) events.push({ event: 'replayed', at: iso(r.dead_letter_replayed_at), detail: {} });
  }
  events.sort((a, b) => (a.at ?? '').localeCompare(b.at ?? ''));
  return {
    case_id: r.case_id as string,
    source: (r.source as Source | null) ?? null,
    model_version: (r.model_version as string | null) ?? null,
    intent: r.intent ?? null,
    dead_lettered: Boolean(r.dead_lettered),
    dead_letter_reason_code: (r.dead_letter_reason_code as string | null) ?? null,
    dead_letter_reason: (r.dead_letter_reason as string | null) ?? null,
    events,
  };
}

interface DayRow {
  day: string;
  predictions: number;
  privacy_predictions: number;
  mean_confidence: number | null;
  low_confidence_share: number | null;
  dead_letters: number;
  dead_letter_rate: number | null;
  warning_rate: number | null;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  accuracy: number | null;
  intent_mix: Record<string, number>;
}

/** Days (UTC) from `days - 1` days ago to today, oldest first. */
function dayList(days: number, now: Date): string[] {
  const out: string[] = [];
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (let i = days - 1; i >= 0; i--) out.push(new Date(today - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

export async function monitoringSummary(pool: pg.Pool, opts: { days: number; source?: Source; lowConfidence: number; now?: Date }) {
  const now = opts.now ?? new Date();
  const days = dayList(opts.days, now);
  const from = days[0];
  const sources = opts.source ? [opts.source] : [...SOURCES];
  const [daily, mix, hist, dl] = await Promise.all([
    pool.query(
      `SELECT source, day::text AS day, predictions, privacy_predictions, mean_confidence, with_warnings,
              p50_received_to_predicted_ms + coalesce(p50_predicted_to_stored_ms, 0) AS p50_ms,
              p95_received_to_predicted_ms + coalesce(p95_predicted_to_stored_ms, 0) AS p95_ms
       FROM pcc.v_daily_predictions WHERE day >= $1::date AND source = ANY($2)`,
      [from, sources],
    ),
    pool.query(`SELECT source, day::text AS day, intent, predictions FROM pcc.v_daily_intent_mix WHERE day >= $1::date AND source = ANY($2)`, [from, sources]),
    pool.query(`SELECT source, day::text AS day, bucket, predictions FROM pcc.v_daily_confidence_histogram WHERE day >= $1::date AND source = ANY($2)`, [from, sources]),
    pool.query(`SELECT source, day::text AS day, reason_code, dead_letters FROM pcc.v_daily_dead_letters WHERE day >= $1::date AND source = ANY($2)`, [from, sources]),
  ]);
  // The low-confidence share at the configured threshold (the view's column is fixed at 0.5), and
  // for synthetic cases the accuracy against their known intent.
  const low = await pool.query(
    `SELECT source, date_trunc('day', predicted_at AT TIME ZONE 'UTC')::date::text AS day, count(*) FILTER (WHERE confidence < $3) AS low,
            count(*) FILTER (WHERE ground_truth_intent IS NOT NULL) AS labelled, count(*) FILTER (WHERE intent = ground_truth_intent) AS correct
     FROM pcc.predictions WHERE predicted_at >= $1::date AND predicted_at >= now() - interval '7 days' AND source = ANY($2) GROUP BY 1, 2`,
    [from, sources, opts.lowConfidence],
  );

  const result: Record<string, { totals: Record<string, unknown>; days: DayRow[] }> = {};
  for (const source of sources) {
    const byDay = new Map<string, DayRow>(
      days.map((d) => [d, { day: d, predictions: 0, privacy_predictions: 0, mean_confidence: null, low_confidence_share: null, dead_letters: 0, dead_letter_rate: null, warning_rate: null, p50_latency_ms: null, p95_latency_ms: null, accuracy: null, intent_mix: {} }]),
    );
    const lowByDay = new Map<string, number>();
    const labelled = new Map<string, [number, number]>();
    for (const r of low.rows) {
      if (r.source !== source) continue;
      lowByDay.set(r.day, Number(r.low));
      labelled.set(r.day, [Number(r.correct), Number(r.labelled)]);
    }
    let confSum = 0;
    let warnings = 0;
    for (const r of daily.rows) {
      if (r.source !== source) continue;
      const d = byDay.get(r.day);
      if (!d) continue;
      d.predictions = Number(r.predictions);
      d.privacy_predictions = Number(r.privacy_predictions);
      d.mean_confidence = num(r.mean_confidence);
      d.low_confidence_share = d.predictions ? (lowByDay.get(r.day) ?? 0) / d.predictions : null;
      d.warning_rate = d.predictions ? Number(r.with_warnings) / d.predictions : null;
      d.p50_latency_ms = num(r.p50_ms);
      d.p95_latency_ms = num(r.p95_ms);
      const [correct, n] = labelled.get(r.day) ?? [0, 0];
      d.accuracy = source === 'synthetic' && n ? correct / n : null;
      confSum += (d.mean_confidence ?? 0) * d.predictions;
      warnings += Number(r.with_warnings);
    }
    const totalMix: Record<string, number> = {};
    for (const r of mix.rows) {
      if (r.source !== source) continue;
      const d = byDay.get(r.day);
      if (!d) continue;
      d.intent_mix[r.intent] = Number(r.predictions);
      totalMix[r.intent] = (totalMix[r.intent] ?? 0) + Number(r.predictions);
    }
    const buckets = Array.from({ length: 10 }, (_, i) => ({ lower: i / 10, upper: (i + 1) / 10, predictions: 0 }));
    for (const r of hist.rows) {
      if (r.source !== source || !byDay.has(r.day)) continue;
      const b = Math.min(Math.max(Number(r.bucket), 1), 10) - 1;
      buckets[b].predictions += Number(r.predictions);
    }
    const reasons: Record<string, number> = {};
    for (const r of dl.rows) {
      if (r.source !== source) continue;
      const d = byDay.get(r.day);
      if (!d) continue;
      d.dead_letters += Number(r.dead_letters);
      reasons[r.reason_code] = (reasons[r.reason_code] ?? 0) + Number(r.dead_letters);
    }
    for (const d of byDay.values()) {
      const seen = d.predictions + d.dead_letters;
      d.dead_letter_rate = seen ? d.dead_letters / seen : null;
    }
    const list = [...byDay.values()];
    const predictions = list.reduce((s, d) => s + d.predictions, 0);
    const deadLetters = list.reduce((s, d) => s + d.dead_letters, 0);
    const lowTotal = [...lowByDay.entries()].filter(([d]) => byDay.has(d)).reduce((s, [, n]) => s + n, 0);
    const [correctTotal, labelledTotal] = [...labelled.entries()].filter(([d]) => byDay.has(d)).reduce(([c, n], [, [c1, n1]]) => [c + c1, n + n1], [0, 0]);
    void warnings;
    result[source] = {
      totals: {
        predictions,
        privacy_predictions: list.reduce((s, d) => s + d.privacy_predictions, 0),
        mean_confidence: predictions ? confSum / predictions : null,
        low_confidence_share: predictions ? lowTotal / predictions : null,
        dead_letters: deadLetters,
        dead_letter_rate: predictions + deadLetters ? deadLetters / (predictions + deadLetters) : null,
        accuracy: source === 'synthetic' && labelledTotal ? correctTotal / labelledTotal : null,
        intent_mix: totalMix,
        confidence_histogram: buckets,
        dead_letter_reasons: reasons,
      },
      days: list,
    };
  }
  return { window: { days: opts.days, from, to: now.toISOString() }, low_confidence_threshold: opts.lowConfidence, sources: result };
}

/** Latest value of each drift metric, and the overall-segment series for the window. */
export async function driftOverview(pool: pg.Pool, opts: { days: number; source?: Source; metric?: string; now?: Date }) {
  const now = opts.now ?? new Date();
  const from = new Date(now.getTime() - opts.days * 86_400_000);
  const sources = opts.source ? [opts.source] : [...SOURCES];
  const params: unknown[] = [from.toISOString(), sources];
  const metricFilter = opts.metric ? `AND metric = $${params.push(opts.metric)}` : '';
  const latest = await pool.query(
    `SELECT DISTINCT ON (source, metric, segment) source, metric, segment, value, threshold, status, window_start, window_end, sample_size
     FROM pcc.drift_metrics WHERE window_end >= $1 AND source = ANY($2) ${metricFilter}
     ORDER BY source, metric, segment, window_end DESC`,
    params,
  );
  const series = await pool.query(
    `SELECT source, metric, window_start, window_end, value, threshold, status
     FROM pcc.drift_metrics WHERE window_end >= $1 AND source = ANY($2) AND segment = '' ${metricFilter}
     ORDER BY source, metric, window_start LIMIT 20000`,
    params,
  );
  const grouped = new Map<string, { source: Source; metric: string; points: { window_start: string; window_end: string; value: number | null; threshold: number | null; status: string }[] }>();
  for (const r of series.rows) {
    const k = `${r.source}\u0000${r.metric}`;
    let g = grouped.get(k);
    if (!g) grouped.set(k, (g = { source: r.source, metric: r.metric, points: [] }));
    g.points.push({ window_start: iso(r.window_start)!, window_end: iso(r.window_end)!, value: num(r.value), threshold: num(r.threshold), status: r.status });
  }
  return {
    window: { days: opts.days, from: from.toISOString(), to: now.toISOString() },
    latest: latest.rows.map((r) => ({
      source: r.source as Source,
      metric: r.metric as string,
      segment: r.segment as string,
      value: num(r.value),
      threshold: num(r.threshold),
      status: r.status as string,
      window_start: iso(r.window_start)!,
      window_end: iso(r.window_end)!,
      sample_size: Number(r.sample_size),
    })),
    series: [...grouped.values()],
  };
}

export async function listAlerts(pool: pg.Pool, opts: { status?: 'firing' | 'resolved'; source?: Source; limit: number; days?: number }) {
  const params: unknown[] = [];
  const where: string[] = [];
  if (opts.status) where.push(`status = $${params.push(opts.status)}`);
  if (opts.source) where.push(`source = $${params.push(opts.source)}`);
  // Firing alerts are listed however old; resolved ones within the window.
  where.push(`(status = 'firing' OR fired_at >= now() - make_interval(days => $${params.push(opts.days ?? 7)}))`);
  const { rows } = await pool.query(
    `SELECT alert_id, fingerprint, kind, severity, status, metric, value, threshold, source, window_start, window_end, fired_at, resolved_at, details
     FROM pcc.alerts WHERE ${where.join(' AND ')} ORDER BY (status = 'firing') DESC, fired_at DESC LIMIT $${params.push(opts.limit)}`,
    params,
  );
  return rows.map((r) => ({
    alert_id: r.alert_id as string,
    fingerprint: r.fingerprint as string,
    kind: r.kind as string,
    severity: r.severity,
    status: r.status,
    metric: r.metric as string,
    value: Number(r.value),
    threshold: Number(r.threshold),
    source: r.source as Source,
    window_start: iso(r.window_start)!,
    window_end: iso(r.window_end)!,
    fired_at: iso(r.fired_at)!,
    resolved_at: iso(r.resolved_at),
    details: r.details ?? {},
  }));
}
