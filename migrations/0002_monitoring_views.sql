-- Views for the rolling 7-day window, each split by source (real and synthetic are never
-- pooled). Looker, the gateway and the demo report read these. Times are UTC days.

-- Daily volume, confidence, low-confidence share and latency of predictions.
CREATE VIEW pcc.v_daily_predictions AS
SELECT
  source,
  date_trunc('day', predicted_at AT TIME ZONE 'UTC')::date                         AS day,
  count(*)                                                                           AS predictions,
  count(*) FILTER (WHERE is_privacy)                                                 AS privacy_predictions,
  avg(confidence)::double precision                                                  AS mean_confidence,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY confidence)                            AS median_confidence,
  (count(*) FILTER (WHERE confidence < 0.5))::double precision / count(*)            AS low_confidence_share,
  count(*) FILTER (WHERE cardinality(warnings) > 0)                                  AS with_warnings,
  percentile_cont(0.5)  WITHIN GROUP (ORDER BY extract(epoch FROM predicted_at - received_at) * 1000) AS p50_received_to_predicted_ms,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM predicted_at - received_at) * 1000) AS p95_received_to_predicted_ms,
  percentile_cont(0.5)  WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - predicted_at) * 1000)   AS p50_predicted_to_stored_ms,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - predicted_at) * 1000)   AS p95_predicted_to_stored_ms,
  percentile_cont(0.5)  WITHIN GROUP (ORDER BY processing_ms)                        AS p50_processing_ms
FROM pcc.predictions
WHERE predicted_at >= now() - interval '7 days'
GROUP BY 1, 2;

-- Intent mix per day and source.
CREATE VIEW pcc.v_daily_intent_mix AS
SELECT source, day, intent, predictions,
       predictions::double precision / sum(predictions) OVER (PARTITION BY source, day) AS share
FROM (
  SELECT source, date_trunc('day', predicted_at AT TIME ZONE 'UTC')::date AS day, intent, count(*) AS predictions
  FROM pcc.predictions
  WHERE predicted_at >= now() - interval '7 days'
  GROUP BY 1, 2, 3
) t;

-- Confidence distribution: ten buckets of 0.1 per day and source.
CREATE VIEW pcc.v_daily_confidence_histogram AS
SELECT
  source,
  date_trunc('day', predicted_at AT TIME ZONE 'UTC')::date AS day,
  least(width_bucket(confidence, 0, 1, 10), 10)              AS bucket,
  (least(width_bucket(confidence, 0, 1, 10), 10) - 1) / 10.0 AS bucket_lower,
  count(*)                                                   AS predictions
FROM pcc.predictions
WHERE predicted_at >= now() - interval '7 days'
GROUP BY 1, 2, 3;

-- Dead letters per day, source and reason.
CREATE VIEW pcc.v_daily_dead_letters AS
SELECT
  coalesce(source, 'unknown')                          AS source,
  date_trunc('day', failed_at AT TIME ZONE 'UTC')::date AS day,
  reason_code,
  count(*)                                              AS dead_letters
FROM pcc.dead_letters
WHERE failed_at >= now() - interval '7 days'
GROUP BY 1, 2, 3;

-- Dead-letter (error) rate: dead letters over everything the processors saw, per day and source.
CREATE VIEW pcc.v_daily_error_rate AS
WITH p AS (
  SELECT source, date_trunc('day', predicted_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
  FROM pcc.predictions WHERE predicted_at >= now() - interval '7 days' GROUP BY 1, 2
), d AS (
  SELECT coalesce(source, 'unknown') AS source, date_trunc('day', failed_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
  FROM pcc.dead_letters WHERE failed_at >= now() - interval '7 days' GROUP BY 1, 2
)
SELECT
  coalesce(p.source, d.source)                                   AS source,
  coalesce(p.day, d.day)                                         AS day,
  coalesce(p.n, 0)                                               AS predictions,
  coalesce(d.n, 0)                                               AS dead_letters,
  coalesce(d.n, 0)::double precision / nullif(coalesce(p.n, 0) + coalesce(d.n, 0), 0) AS dead_letter_rate
FROM p FULL OUTER JOIN d ON p.source = d.source AND p.day = d.day;

-- Latest drift value per metric and source within the window.
CREATE VIEW pcc.v_drift_latest AS
SELECT DISTINCT ON (source, metric, segment)
  source, metric, segment, value, threshold, status, window_start, window_end, sample_size, computed_at
FROM pcc.drift_metrics
WHERE window_end >= now() - interval '7 days'
ORDER BY source, metric, segment, window_end DESC;

-- The audit trail of a case: received, predicted, stored, model, dead-lettered and why.
CREATE VIEW pcc.v_case_audit AS
SELECT
  coalesce(p.case_id, d.case_id)  AS case_id,
  coalesce(p.source, d.source)    AS source,
  p.received_at,
  p.predicted_at,
  p.stored_at,
  p.model_version,
  p.intent,
  p.confidence,
  p.warnings,
  p.sla_due_at,
  p.batch_id,
  (d.case_id IS NOT NULL)         AS dead_lettered,
  d.reason_code                   AS dead_letter_reason_code,
  d.reason                        AS dead_letter_reason,
  d.failed_at                     AS dead_lettered_at,
  d.replayed_at                   AS dead_letter_replayed_at
FROM pcc.predictions p
FULL OUTER JOIN pcc.dead_letters d ON d.case_id = p.case_id AND d.source = p.source;

-- Open privacy obligations: privacy predictions whose deadline is still ahead, nearest first.
CREATE VIEW pcc.v_open_sla AS
SELECT case_id, source, intent, confidence, received_at, sla_due_at,
       extract(epoch FROM sla_due_at - now()) / 86400.0 AS days_left
FROM pcc.predictions
WHERE is_privacy AND sla_due_at >= now();
