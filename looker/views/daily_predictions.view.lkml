# pcc.v_daily_predictions: one row per source and UTC day over the rolling 7 days.
# The view's columns are exact per (source, day); measures over several days are weighted by volume.
view: daily_predictions {
  sql_table_name: pcc.v_daily_predictions ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.source || ':' || ${TABLE}.day::text ;;
  }

  dimension: source {
    description: "real or synthetic. Synthetic is generated test traffic with a known intent; never pool it with real cases."
    type: string
    sql: ${TABLE}.source ;;
  }

  dimension: source_label {
    label: "Source"
    description: "Real, or Synthetic (test data): generated cases with a known intent."
    type: string
    sql: CASE WHEN ${TABLE}.source = 'synthetic' THEN 'Synthetic (test data)' WHEN ${TABLE}.source = 'real' THEN 'Real' ELSE 'Unknown' END ;;
  }

  dimension_group: day {
    type: time
    datatype: date
    timeframes: [raw, date, week, month]
    sql: ${TABLE}.day ;;
  }

  dimension: predictions { type: number sql: ${TABLE}.predictions ;; }
  dimension: day_mean_confidence { label: "Mean confidence (that day)" type: number sql: ${TABLE}.mean_confidence ;; value_format_name: percent_1 }
  dimension: day_median_confidence { label: "Median confidence (that day)" type: number sql: ${TABLE}.median_confidence ;; value_format_name: percent_1 }
  dimension: day_low_confidence_share { label: "Low-confidence share (that day)" type: number sql: ${TABLE}.low_confidence_share ;; value_format_name: percent_1 }

  measure: total_predictions { type: sum sql: ${TABLE}.predictions ;; }
  measure: total_privacy_predictions { type: sum sql: ${TABLE}.privacy_predictions ;; }
  measure: total_with_warnings { type: sum sql: ${TABLE}.with_warnings ;; }

  measure: privacy_share {
    type: number
    sql: ${total_privacy_predictions}::double precision / NULLIF(${total_predictions}, 0) ;;
    value_format_name: percent_1
  }

  measure: confidence_weighted_sum { hidden: yes type: sum sql: ${TABLE}.mean_confidence * ${TABLE}.predictions ;; }
  measure: low_confidence_weighted_sum { hidden: yes type: sum sql: ${TABLE}.low_confidence_share * ${TABLE}.predictions ;; }

  measure: mean_confidence {
    description: "Mean confidence of the predictions (days weighted by their volume)."
    type: number
    sql: ${confidence_weighted_sum} / NULLIF(${total_predictions}, 0) ;;
    value_format_name: percent_1
  }

  measure: low_confidence_share {
    description: "Share of predictions with confidence below 0.5 (days weighted by their volume)."
    type: number
    sql: ${low_confidence_weighted_sum} / NULLIF(${total_predictions}, 0) ;;
    value_format_name: percent_1
  }

  # Percentiles cannot be combined across days: per (source, day) these are that day's values;
  # over several days, the worst day's.
  measure: p50_received_to_predicted_ms { description: "Median ms from received to predicted; over several days the worst day's." type: max sql: ${TABLE}.p50_received_to_predicted_ms ;; value_format_name: decimal_0 }
  measure: p95_received_to_predicted_ms { description: "95th percentile ms from received to predicted; over several days the worst day's." type: max sql: ${TABLE}.p95_received_to_predicted_ms ;; value_format_name: decimal_0 }
  measure: p50_predicted_to_stored_ms { description: "Median ms from predicted to stored in Postgres; over several days the worst day's." type: max sql: ${TABLE}.p50_predicted_to_stored_ms ;; value_format_name: decimal_0 }
  measure: p95_predicted_to_stored_ms { description: "95th percentile ms from predicted to stored; over several days the worst day's." type: max sql: ${TABLE}.p95_predicted_to_stored_ms ;; value_format_name: decimal_0 }
  measure: p50_processing_ms { description: "Median processor ms per case; over several days the worst day's." type: max sql: ${TABLE}.p50_processing_ms ;; value_format_name: decimal_1 }
}
