# PCC overview: the rolling 7 days, real beside synthetic. Synthetic is generated test traffic with
# known intents; every tile pivots on (or filters to) a Source and never adds the two together.
- dashboard: pcc_overview
  title: "PCC overview: real beside synthetic (test data), rolling 7 days"
  layout: newspaper
  preferred_viewer: dashboards-next
  description: "Synthetic (test data) is generated traffic with known intents, shown beside real cases and never pooled with them."
  refresh: 15 minutes

  filters:
  - name: source
    title: Source
    type: field_filter
    default_value: ""
    allow_multiple_values: true
    required: false
    ui_config:
      type: checkboxes
      display: inline
    model: pcc
    explore: daily_predictions
    field: daily_predictions.source_label

  elements:
  - name: volume_per_day
    title: Predictions per day, real vs synthetic (test data)
    model: pcc
    explore: daily_predictions
    type: looker_column
    fields: [daily_predictions.day_date, daily_predictions.source_label, daily_predictions.total_predictions]
    pivots: [daily_predictions.source_label]
    sorts: [daily_predictions.day_date]
    listen:
      source: daily_predictions.source_label
    row: 0
    col: 0
    width: 12
    height: 6

  - name: intent_mix
    title: Intent mix (share within each source)
    model: pcc
    explore: daily_intent_mix
    type: looker_bar
    fields: [daily_intent_mix.intent, daily_intent_mix.source_label, daily_intent_mix.predictions, daily_intent_mix.share_of_selection]
    pivots: [daily_intent_mix.source_label]
    sorts: [daily_intent_mix.intent]
    hidden_fields: [daily_intent_mix.predictions]
    listen:
      source: daily_intent_mix.source_label
    row: 0
    col: 12
    width: 12
    height: 6

  - name: confidence_distribution
    title: Confidence distribution by source
    model: pcc
    explore: daily_confidence_histogram
    type: looker_column
    fields: [daily_confidence_histogram.bucket_range, daily_confidence_histogram.bucket, daily_confidence_histogram.source_label, daily_confidence_histogram.share_of_selection]
    pivots: [daily_confidence_histogram.source_label]
    sorts: [daily_confidence_histogram.bucket]
    hidden_fields: [daily_confidence_histogram.bucket]
    listen:
      source: daily_confidence_histogram.source_label
    row: 6
    col: 0
    width: 12
    height: 6

  - name: low_confidence_share
    title: Low-confidence share (confidence below 0.5) per day
    model: pcc
    explore: daily_predictions
    type: looker_line
    fields: [daily_predictions.day_date, daily_predictions.source_label, daily_predictions.low_confidence_share, daily_predictions.mean_confidence]
    pivots: [daily_predictions.source_label]
    sorts: [daily_predictions.day_date]
    listen:
      source: daily_predictions.source_label
    row: 6
    col: 12
    width: 12
    height: 6

  - name: dead_letter_rate
    title: Dead-letter rate per day
    model: pcc
    explore: daily_error_rate
    type: looker_line
    fields: [daily_error_rate.day_date, daily_error_rate.source_label, daily_error_rate.dead_letter_rate]
    pivots: [daily_error_rate.source_label]
    sorts: [daily_error_rate.day_date]
    listen:
      source: daily_error_rate.source_label
    row: 12
    col: 0
    width: 12
    height: 6

  - name: dead_letters_by_reason
    title: Dead letters by reason code
    model: pcc
    explore: daily_dead_letters
    type: looker_bar
    fields: [daily_dead_letters.reason_code, daily_dead_letters.source_label, daily_dead_letters.dead_letters]
    pivots: [daily_dead_letters.source_label]
    sorts: [daily_dead_letters.dead_letters desc 0]
    listen:
      source: daily_dead_letters.source_label
    row: 12
    col: 12
    width: 12
    height: 6

  - name: latency
    title: Latency per day, p50 and p95 (ms, received to predicted and predicted to stored)
    model: pcc
    explore: daily_predictions
    type: looker_line
    fields: [daily_predictions.day_date, daily_predictions.source_label, daily_predictions.p50_received_to_predicted_ms, daily_predictions.p95_received_to_predicted_ms, daily_predictions.p95_predicted_to_stored_ms]
    pivots: [daily_predictions.source_label]
    sorts: [daily_predictions.day_date]
    listen:
      source: daily_predictions.source_label
    row: 18
    col: 0
    width: 12
    height: 6

  - name: open_sla_by_days_left
    title: Open privacy deadlines by days left
    model: pcc
    explore: open_sla
    type: looker_column
    fields: [open_sla.days_left_tier, open_sla.source_label, open_sla.count]
    pivots: [open_sla.source_label]
    filters:
      open_sla.source: "real,synthetic"
    sorts: [open_sla.days_left_tier]
    listen:
      source: open_sla.source_label
    row: 18
    col: 12
    width: 12
    height: 6

  - name: open_sla_nearest
    title: Nearest open privacy deadlines (real cases)
    model: pcc
    explore: open_sla
    type: looker_grid
    fields: [open_sla.case_id, open_sla.source_label, open_sla.intent, open_sla.confidence, open_sla.sla_due_date, open_sla.days_left]
    filters:
      open_sla.source: real
    sorts: [open_sla.days_left]
    limit: 50
    row: 24
    col: 0
    width: 12
    height: 8

  - name: synthetic_accuracy
    title: Synthetic accuracy (test data only)
    note_text: "Predicted intent equals the known intent of the generated case. Real cases have no known intent."
    model: pcc
    explore: predictions
    type: single_value
    fields: [predictions.synthetic_accuracy]
    filters:
      predictions.source: synthetic
      predictions.predicted_date: 7 days
    row: 24
    col: 12
    width: 4
    height: 4

  - name: synthetic_accuracy_by_intent
    title: Synthetic accuracy by known intent (test data only)
    model: pcc
    explore: predictions
    type: looker_bar
    fields: [predictions.ground_truth_intent, predictions.source_label, predictions.synthetic_accuracy, predictions.count]
    filters:
      predictions.source: synthetic
      predictions.predicted_date: 7 days
    sorts: [predictions.ground_truth_intent]
    row: 24
    col: 16
    width: 8
    height: 8

  - name: drift
    title: Drift metrics per window against thresholds
    model: pcc
    explore: drift_metrics
    type: looker_line
    fields: [drift_metrics.window_start_hour, drift_metrics.source_label, drift_metrics.metric, drift_metrics.max_value]
    pivots: [drift_metrics.source_label, drift_metrics.metric]
    sorts: [drift_metrics.window_start_hour]
    filters:
      drift_metrics.window_start_date: 7 days
    listen:
      source: drift_metrics.source_label
    row: 32
    col: 0
    width: 16
    height: 8

  - name: firing_alerts
    title: Firing alerts
    model: pcc
    explore: alerts
    type: looker_grid
    fields: [alerts.fired_time, alerts.source_label, alerts.kind, alerts.severity, alerts.metric, alerts.value, alerts.threshold]
    filters:
      alerts.status: firing
    sorts: [alerts.fired_time desc]
    listen:
      source: alerts.source_label
    row: 32
    col: 16
    width: 8
    height: 8
