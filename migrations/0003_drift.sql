-- Drift monitor state (sinks/drift). Append-only: change in a new file.

-- Every closed window's summary (counts, histograms, embedding sums and a bounded sample), so
-- the trailing reference can be rebuilt after a restart without re-reading Kafka.
-- reference/volume say whether the window may serve as a distribution reference / volume baseline.
CREATE TABLE pcc.drift_window_summaries (
  group_id     text        NOT NULL,
  source       pcc.source  NOT NULL,
  window_start timestamptz NOT NULL,
  window_end   timestamptz NOT NULL,
  sample_size  integer     NOT NULL,
  reference    boolean     NOT NULL,
  volume       boolean     NOT NULL,
  summary      jsonb       NOT NULL,
  computed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (group_id, source, window_start)
);

-- One checkpoint per drift consumer group: open windows, watermarks, per-partition next offsets
-- and the rule engine's state, written in the same transaction as the metric rows it produced.
CREATE TABLE pcc.drift_checkpoints (
  group_id   text        PRIMARY KEY,
  state      jsonb       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Looker and the runbooks read drift_metrics by metric and time.
CREATE INDEX drift_metrics_metric_window ON pcc.drift_metrics (metric, source, window_start);
