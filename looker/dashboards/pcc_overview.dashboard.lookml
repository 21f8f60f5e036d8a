- dashboard: pcc_overview
  title: "PCC overview: rolling 7 days, real beside synthetic (test data)"
  layout: newspaper
  description: "Synthetic is generated test traffic with known intents; every tile splits by Source and never pools the two."
  filters:
  - name: source
    title: Source
    type: field_filter
    model: pcc
    explore: daily_predictions
    field: daily_predictions.source_label
  elements:
  - name: volume_per_day
    title: Predictions per day
    model: pcc
    explore: daily_predictions
    type: looker_column
    fields: [daily_predictions.day_date, daily_predictions.source_label, daily_predictions.total_predictions]
    pivots: [daily_predictions.source_label]
    sorts: [daily_predictions.day_date]
  - name: intent_mix
    title: Intent mix
    model: pcc
    explore: daily_intent_mix
    type: looker_bar
    fields: [daily_intent_mix.intent, daily_intent_mix.source_label, daily_intent_mix.predictions]
    pivots: [daily_intent_mix.source_label]
  - name: confidence_distribution
    title: Confidence distribution
    model: pcc
    explore: daily_confidence_histogram
    type: looker_column
    fields: [daily_confidence_histogram.bucket_lower, daily_confidence_histogram.source_label, daily_confidence_histogram.predictions]
    pivots: [daily_confidence_histogram.source_label]
  - name: low_confidence_share
    title: Low-confidence share
    model: pcc
    explore: daily_predictions
    type: looker_line
    fields: [daily_predictions.day_date, daily_predictions.source_label, daily_predictions.low_confidence_share]
    pivots: [daily_predictions.source_label]
  - name: dead_letter_rate
    title: Dead-letter rate
    model: pcc
    explore: daily_error_rate
    type: looker_line
    fields: [daily_error_rate.day_date, daily_error_rate.source_label, daily_error_rate.dead_letter_rate]
    pivots: [daily_error_rate.source_label]
  - name: latency
    title: Latency (p95, ms)
    model: pcc
    explore: daily_predictions
    type: looker_line
    fields: [daily_predictions.day_date, daily_predictions.source_label, daily_predictions.p95_received_to_predicted_ms, daily_predictions.p95_predicted_to_stored_ms]
  - name: synthetic_accuracy
    title: Synthetic accuracy (test data only)
    model: pcc
    explore: predictions
    type: single_value
    fields: [predictions.synthetic_accuracy]
  - name: open_sla
    title: Open privacy deadlines
    model: pcc
    explore: open_sla
    type: looker_grid
    fields: [open_sla.case_id, open_sla.source_label, open_sla.intent, open_sla.days_left]
    sorts: [open_sla.days_left]
  - name: drift
    title: Drift metrics against thresholds
    model: pcc
    explore: drift_metrics
    type: looker_line
    fields: [drift_metrics.window_start_hour, drift_metrics.metric, drift_metrics.source_label, drift_metrics.max_value, drift_metrics.max_threshold]
  - name: firing_alerts
    title: Alerts
    model: pcc
    explore: alerts
    type: looker_grid
    fields: [alerts.fired_time, alerts.source_label, alerts.kind, alerts.severity, alerts.metric, alerts.status]
    sorts: [alerts.fired_time desc]
