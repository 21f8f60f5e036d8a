-- PCC core tables (../shared/DESIGN.md, "Postgres"). Append-only: change the schema in a new file.
CREATE SCHEMA IF NOT EXISTS pcc;
CREATE SCHEMA IF NOT EXISTS synthetic;

-- The label set and sources, as domains so that every table checks them the same way.
CREATE DOMAIN pcc.source AS text CHECK (VALUE IN ('real', 'synthetic'));
CREATE DOMAIN pcc.intent AS text CHECK (VALUE IN (
  'access_request', 'deletion_request', 'correction_request', 'portability_request', 'marketing_opt_out',
  'processing_objection', 'privacy_complaint', 'privacy_inquiry', 'not_privacy'));

-- Predictions, partitioned by day on predicted_at. A partitioned table cannot hold a unique key
-- without its partition column, so idempotency on (case_id, source) is kept by prediction_keys.
CREATE TABLE pcc.predictions (
  case_id             text         NOT NULL,
  source              pcc.source   NOT NULL,
  intent              pcc.intent   NOT NULL,
  is_privacy          boolean      NOT NULL,
  confidence          real         NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  probabilities       real[]       NOT NULL CHECK (cardinality(probabilities) = 9),
  embedding           real[]       NOT NULL,
  model_version       text         NOT NULL,
  redacted_excerpt    text         NOT NULL,
  pii_found           text[]       NOT NULL DEFAULT '{}',
  warnings            text[]       NOT NULL DEFAULT '{}',
  channel             text,
  language            text,
  jurisdiction        text,
  received_at         timestamptz  NOT NULL,
  predicted_at        timestamptz  NOT NULL,
  stored_at           timestamptz  NOT NULL DEFAULT clock_timestamp(),
  processing_ms       real         NOT NULL,
  ground_truth_intent pcc.intent,
  batch_id            text,
  sla_due_at          timestamptz,
  source_partition    integer      NOT NULL DEFAULT -1,
  source_offset       bigint       NOT NULL DEFAULT -1,
  CONSTRAINT predictions_pk PRIMARY KEY (case_id, source, predicted_at),
  CONSTRAINT predictions_is_privacy CHECK (is_privacy = (intent <> 'not_privacy')),
  -- Real rows never carry synthetic provenance; synthetic rows always do.
  CONSTRAINT predictions_synthetic_provenance CHECK (
    (source = 'real' AND batch_id IS NULL AND ground_truth_intent IS NULL)
    OR (source = 'synthetic' AND batch_id IS NOT NULL AND ground_truth_intent IS NOT NULL)),
  CONSTRAINT predictions_sla CHECK ((is_privacy AND sla_due_at IS NOT NULL) OR (NOT is_privacy AND sla_due_at IS NULL))
) PARTITION BY RANGE (predicted_at);

CREATE INDEX predictions_received_at ON pcc.predictions (source, received_at);
CREATE INDEX predictions_case_id ON pcc.predictions (case_id);

-- One row per (case_id, source) ever stored: the sink inserts here first, ON CONFLICT DO NOTHING,
-- and only the cases that were new go into predictions. A replay therefore leaves one row.
CREATE TABLE pcc.prediction_keys (
  case_id      text        NOT NULL,
  source       pcc.source  NOT NULL,
  predicted_at timestamptz NOT NULL,
  stored_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (case_id, source)
);
CREATE INDEX prediction_keys_predicted_at ON pcc.prediction_keys (predicted_at);

-- Creates the daily partition holding `day` if it does not exist; returns its name.
CREATE FUNCTION pcc.ensure_prediction_partition(day date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  part text := format('predictions_%s', to_char(day, 'YYYYMMDD'));
BEGIN
  IF to_regclass(format('pcc.%I', part)) IS NULL THEN
    -- Serialise concurrent sinks creating the same partition.
    PERFORM pg_advisory_xact_lock(hashtext('pcc.predictions.' || part));
    IF to_regclass(format('pcc.%I', part)) IS NULL THEN
      EXECUTE format('CREATE TABLE pcc.%I PARTITION OF pcc.predictions FOR VALUES FROM (%L) TO (%L)',
                     part, day::timestamptz AT TIME ZONE 'UTC', (day + 1)::timestamptz AT TIME ZONE 'UTC');
    END IF;
  END IF;
  RETURN part;
END $$;

CREATE TABLE pcc.dead_letters (
  source_topic     text        NOT NULL,
  source_partition integer     NOT NULL,
  source_offset    bigint      NOT NULL,
  case_id          text,
  source           pcc.source,
  reason_code      text        NOT NULL,
  reason           text        NOT NULL,
  failed_at        timestamptz NOT NULL,
  stored_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  payload          bytea,
  payload_redacted boolean     NOT NULL DEFAULT false,
  replayed_at      timestamptz,
  replay_count     integer     NOT NULL DEFAULT 0,
  PRIMARY KEY (source_topic, source_partition, source_offset)
);
CREATE INDEX dead_letters_failed_at ON pcc.dead_letters (failed_at);
CREATE INDEX dead_letters_case_id ON pcc.dead_letters (case_id);

-- One row per alert episode: the firing event inserts it, the resolved event updates it.
CREATE TABLE pcc.alerts (
  alert_id     text        PRIMARY KEY,
  fingerprint  text        NOT NULL,
  kind         text        NOT NULL CHECK (kind IN ('drift', 'anomaly', 'low_confidence', 'error_rate', 'lag', 'synthetic_accuracy')),
  severity     text        NOT NULL CHECK (severity IN ('warning', 'critical')),
  status       text        NOT NULL CHECK (status IN ('firing', 'resolved')),
  metric       text        NOT NULL,
  value        double precision NOT NULL,
  threshold    double precision NOT NULL,
  window_start timestamptz NOT NULL,
  window_end   timestamptz NOT NULL,
  source       pcc.source  NOT NULL,
  details      jsonb       NOT NULL DEFAULT '{}',
  fired_at     timestamptz NOT NULL,
  resolved_at  timestamptz,
  updated_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX alerts_status ON pcc.alerts (status, fired_at);

-- One row per window per metric per source (and segment, e.g. an intent for per-intent metrics).
-- Recomputing a window replaces its rows (upsert on the key).
CREATE TABLE pcc.drift_metrics (
  source        pcc.source  NOT NULL,
  window_start  timestamptz NOT NULL,
  window_end    timestamptz NOT NULL,
  metric        text        NOT NULL,
  segment       text        NOT NULL DEFAULT '',
  value         double precision,
  threshold     double precision,
  status        text        NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'warning', 'critical', 'insufficient_data')),
  reference     text        NOT NULL DEFAULT 'trailing_7d',
  sample_size   integer     NOT NULL DEFAULT 0,
  offsets       jsonb       NOT NULL DEFAULT '{}',
  details       jsonb       NOT NULL DEFAULT '{}',
  computed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (source, window_start, window_end, metric, segment)
);
CREATE INDEX drift_metrics_window ON pcc.drift_metrics (window_start);

-- Operational counters sampled by the processes (batch sizes, lag, stage timings), per source.
CREATE TABLE pcc.pipeline_metrics (
  ts         timestamptz NOT NULL,
  component  text        NOT NULL,
  metric     text        NOT NULL,
  source     text        NOT NULL DEFAULT 'all' CHECK (source IN ('real', 'synthetic', 'all')),
  value      double precision NOT NULL,
  labels     jsonb       NOT NULL DEFAULT '{}',
  PRIMARY KEY (ts, component, metric, source)
);

-- The synthetic store: kept in its own schema, apart from everything real.
CREATE TABLE synthetic.batches (
  batch_id          text        PRIMARY KEY,
  version           integer     NOT NULL DEFAULT 1,
  backend           text        NOT NULL CHECK (backend IN ('template', 'openai')),
  generator_version text        NOT NULL,
  model             text,
  prompt_templates  jsonb       NOT NULL DEFAULT '[]',
  seed              bigint      NOT NULL,
  parameters        jsonb       NOT NULL DEFAULT '{}',
  targets           jsonb       NOT NULL DEFAULT '{}',
  achieved          jsonb       NOT NULL DEFAULT '{}',
  status            text        NOT NULL DEFAULT 'generating' CHECK (status IN ('generating', 'generated', 'published', 'failed')),
  schedule_day      date        UNIQUE,
  created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at      timestamptz
);

CREATE TABLE synthetic.cases (
  batch_id            text        NOT NULL REFERENCES synthetic.batches (batch_id),
  case_id             text        NOT NULL,
  seq                 integer     NOT NULL,
  intended_intent     pcc.intent  NOT NULL,
  conversation        jsonb       NOT NULL,
  published_case      jsonb       NOT NULL,
  raw_output          text,
  tags                text[]      NOT NULL DEFAULT '{}',
  status              text        NOT NULL DEFAULT 'accepted' CHECK (status IN ('accepted', 'repaired', 'rejected', 'flagged')),
  review_reason       text,
  created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (batch_id, case_id),
  -- Synthetic case ids carry their origin so that they cannot be mistaken for real ones.
  CONSTRAINT synthetic_case_id_prefix CHECK (case_id LIKE 'syn-%')
);
CREATE UNIQUE INDEX synthetic_cases_case_id ON synthetic.cases (case_id);
