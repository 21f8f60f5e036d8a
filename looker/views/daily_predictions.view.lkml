view: daily_predictions {
  sql_table_name: pcc.v_daily_predictions ;;
  dimension: source {
    description: "real or synthetic. Synthetic is generated test traffic with a known intent; never pool the two."
    type: string
    sql: ${TABLE}.source ;;
  }

  dimension: source_label {
    label: "Source"
    type: string
    sql: CASE WHEN ${TABLE}.source = 'synthetic' THEN 'Synthetic (test data)' WHEN ${TABLE}.source = 'real' THEN 'Real' ELSE 'Unknown' END ;;
  }

  dimension_group: day { type: time datatype: date timeframes: [raw, date, week] sql: ${TABLE}.day ;; }
  dimension: key { primary_key: yes hidden: yes type: string sql: ${TABLE}.source || ${TABLE}.day ;; }
  measure: total_predictions { type: sum sql: ${TABLE}.predictions ;; }
  measure: total_privacy_predictions { type: sum sql: ${TABLE}.privacy_predictions ;; }
  measure: mean_confidence { type: average sql: ${TABLE}.mean_confidence ;; value_format_name: percent_1 }
  measure: low_confidence_share { type: average sql: ${TABLE}.low_confidence_share ;; value_format_name: percent_1 }
  measure: p95_received_to_predicted_ms { type: max sql: ${TABLE}.p95_received_to_predicted_ms ;; }
  measure: p95_predicted_to_stored_ms { type: max sql: ${TABLE}.p95_predicted_to_stored_ms ;; }
  measure: p50_processing_ms { type: max sql: ${TABLE}.p50_processing_ms ;; }
}
