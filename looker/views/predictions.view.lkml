# One row per classified case (pcc.predictions, partitioned by day on predicted_at).
# Real and synthetic rows share the table but never a row: split every measure by Source.
view: predictions {
  sql_table_name: pcc.predictions ;;

  # Unique per row: the sink keeps one row per (case_id, source) (pcc.prediction_keys).
  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.case_id || ':' || ${TABLE}.source ;;
  }

  dimension: case_id {
    label: "Case ID"
    type: string
    sql: ${TABLE}.case_id ;;
  }

  dimension: source {
    description: "real or synthetic. Synthetic is generated test traffic with a known intent (ground truth); never pool it with real cases."
    type: string
    sql: ${TABLE}.source ;;
  }

  dimension: source_label {
    label: "Source"
    description: "Real, or Synthetic (test data): generated cases with a known intent, used for accuracy and stress tests."
    type: string
    sql: CASE WHEN ${TABLE}.source = 'synthetic' THEN 'Synthetic (test data)' WHEN ${TABLE}.source = 'real' THEN 'Real' ELSE 'Unknown' END ;;
  }

  dimension: intent {
    description: "Predicted intent (one of the nine labels of the taxonomy)."
    type: string
    sql: ${TABLE}.intent ;;
  }

  dimension: is_privacy {
    description: "The predicted intent is a privacy intent (anything but not_privacy)."
    type: yesno
    sql: ${TABLE}.is_privacy ;;
  }

  dimension: confidence {
    description: "Probability of the predicted intent (calibrated)."
    type: number
    sql: ${TABLE}.confidence ;;
    value_format_name: percent_1
  }

  dimension: confidence_tier {
    type: tier
    tiers: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    style: relational
    sql: ${TABLE}.confidence ;;
  }

  dimension: is_low_confidence {
    description: "Confidence below 0.5 (PCC_LOW_CONFIDENCE's default, as in pcc.v_daily_predictions)."
    type: yesno
    sql: ${TABLE}.confidence < 0.5 ;;
  }

  dimension: model_version { type: string sql: ${TABLE}.model_version ;; }
  dimension: channel { type: string sql: ${TABLE}.channel ;; }
  dimension: language { type: string sql: ${TABLE}.language ;; }
  dimension: jurisdiction { type: string sql: ${TABLE}.jurisdiction ;; }

  dimension: redacted_excerpt {
    description: "Start of the case text with personal data redacted."
    type: string
    sql: ${TABLE}.redacted_excerpt ;;
  }

  dimension: pii_found {
    description: "Kinds of personal data that were redacted, comma-separated."
    type: string
    sql: array_to_string(${TABLE}.pii_found, ', ') ;;
  }

  dimension: warnings {
    description: "Validation warnings (e.g. PCC_WARN_BODY_TRUNCATED), comma-separated."
    type: string
    sql: array_to_string(${TABLE}.warnings, ', ') ;;
  }

  dimension: has_warnings { type: yesno sql: cardinality(${TABLE}.warnings) > 0 ;; }

  dimension: processing_ms {
    description: "Time the processor spent on the case (ms)."
    type: number
    sql: ${TABLE}.processing_ms ;;
  }

  dimension: received_to_predicted_ms {
    type: number
    sql: extract(epoch FROM ${TABLE}.predicted_at - ${TABLE}.received_at) * 1000 ;;
  }

  dimension: predicted_to_stored_ms {
    type: number
    sql: extract(epoch FROM ${TABLE}.stored_at - ${TABLE}.predicted_at) * 1000 ;;
  }

  dimension: received_to_stored_ms {
    type: number
    sql: ${received_to_predicted_ms} + ${predicted_to_stored_ms} ;;
  }

  dimension: ground_truth_intent {
    description: "Synthetic (test data) only: the intent the case was generated to express. Empty for real cases."
    type: string
    sql: ${TABLE}.ground_truth_intent ;;
  }

  dimension: batch_id {
    description: "Synthetic (test data) only: the generated batch. Empty for real cases."
    type: string
    sql: ${TABLE}.batch_id ;;
  }

  dimension: is_correct {
    description: "Synthetic (test data) only: the predicted intent equals the known intent. Always No for real cases, which have no known intent."
    type: yesno
    sql: ${TABLE}.source = 'synthetic' AND ${TABLE}.intent = ${TABLE}.ground_truth_intent ;;
  }

  dimension: sla_days_left {
    description: "Days until the privacy deadline (negative once passed); empty for non-privacy cases."
    type: number
    sql: extract(epoch FROM ${TABLE}.sla_due_at - now()) / 86400.0 ;;
    value_format_name: decimal_1
  }

  dimension_group: received { type: time timeframes: [raw, time, hour, date, week, month] sql: ${TABLE}.received_at ;; }
  dimension_group: predicted { type: time timeframes: [raw, time, hour, date, week, month] sql: ${TABLE}.predicted_at ;; }
  dimension_group: stored { type: time timeframes: [raw, time, date] sql: ${TABLE}.stored_at ;; }
  dimension_group: sla_due { type: time timeframes: [raw, date, week] sql: ${TABLE}.sla_due_at ;; }

  measure: count {
    description: "Predictions. Split by Source: real and synthetic (test data) are never added together."
    type: count
  }

  measure: real_count {
    label: "Count (real)"
    type: count
    filters: [source: "real"]
  }

  measure: synthetic_count {
    label: "Count (synthetic, test data)"
    type: count
    filters: [source: "synthetic"]
  }

  measure: privacy_count {
    type: count
    filters: [is_privacy: "yes"]
  }

  measure: privacy_share {
    description: "Share of predictions with a privacy intent."
    type: number
    sql: ${privacy_count}::double precision / NULLIF(${count}, 0) ;;
    value_format_name: percent_1
  }

  measure: mean_confidence {
    type: average
    sql: ${TABLE}.confidence ;;
    value_format_name: percent_1
  }

  measure: low_confidence_count {
    hidden: yes
    type: count
    filters: [is_low_confidence: "yes"]
  }

  measure: low_confidence_share {
    description: "Share of predictions with confidence below 0.5."
    type: number
    sql: ${low_confidence_count}::double precision / NULLIF(${count}, 0) ;;
    value_format_name: percent_1
  }

  measure: synthetic_correct {
    hidden: yes
    type: count
    filters: [source: "synthetic", is_correct: "yes"]
  }

  measure: synthetic_accuracy {
    label: "Synthetic accuracy (test data)"
    description: "Synthetic cases whose predicted intent equals the known intent, over all synthetic cases. Real cases have no known intent and are not counted."
    type: number
    sql: ${synthetic_correct}::double precision / NULLIF(${synthetic_count}, 0) ;;
    value_format_name: percent_1
  }

  measure: p50_received_to_predicted_ms { type: median sql: ${received_to_predicted_ms} ;; value_format_name: decimal_0 }
  measure: p95_received_to_predicted_ms { type: percentile percentile: 95 sql: ${received_to_predicted_ms} ;; value_format_name: decimal_0 }
  measure: p50_predicted_to_stored_ms { type: median sql: ${predicted_to_stored_ms} ;; value_format_name: decimal_0 }
  measure: p95_predicted_to_stored_ms { type: percentile percentile: 95 sql: ${predicted_to_stored_ms} ;; value_format_name: decimal_0 }
  measure: p50_received_to_stored_ms { type: median sql: ${received_to_stored_ms} ;; value_format_name: decimal_0 }
  measure: p95_received_to_stored_ms { type: percentile percentile: 95 sql: ${received_to_stored_ms} ;; value_format_name: decimal_0 }
  measure: p50_processing_ms { type: median sql: ${processing_ms} ;; value_format_name: decimal_1 }
  measure: p95_processing_ms { type: percentile percentile: 95 sql: ${processing_ms} ;; value_format_name: decimal_1 }

  measure: min_sla_days_left {
    label: "Nearest deadline (days left)"
    type: min
    sql: ${sla_days_left} ;;
    value_format_name: decimal_1
  }
}
