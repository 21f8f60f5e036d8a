view: predictions {
  sql_table_name: pcc.predictions ;;

  dimension: case_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.case_id || ':' || ${TABLE}.source ;;
    hidden: yes
  }
  dimension: case_ref { label: "Case ID" type: string sql: ${TABLE}.case_id ;; }

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

  dimension: intent { type: string sql: ${TABLE}.intent ;; }
  dimension: is_privacy { type: yesno sql: ${TABLE}.is_privacy ;; }
  dimension: confidence { type: number sql: ${TABLE}.confidence ;; value_format_name: percent_1 }
  dimension: is_low_confidence { type: yesno sql: ${TABLE}.confidence < 0.5 ;; }
  dimension: model_version { type: string sql: ${TABLE}.model_version ;; }
  dimension: channel { type: string sql: ${TABLE}.channel ;; }
  dimension: language { type: string sql: ${TABLE}.language ;; }
  dimension: jurisdiction { type: string sql: ${TABLE}.jurisdiction ;; }
  dimension: redacted_excerpt { type: string sql: ${TABLE}.redacted_excerpt ;; }
  dimension: has_warnings { type: yesno sql: cardinality(${TABLE}.warnings) > 0 ;; }
  dimension: processing_ms { type: number sql: ${TABLE}.processing_ms ;; }
  dimension: received_to_stored_ms { type: number sql: extract(epoch FROM ${TABLE}.stored_at - ${TABLE}.received_at) * 1000 ;; }
  dimension: ground_truth_intent { description: "Synthetic only: the intent the case was written to express." type: string sql: ${TABLE}.ground_truth_intent ;; }
  dimension: batch_id { description: "Synthetic only." type: string sql: ${TABLE}.batch_id ;; }
  dimension: is_correct { description: "Synthetic only: prediction equals the known intent." type: yesno sql: ${TABLE}.source = 'synthetic' AND ${TABLE}.intent = ${TABLE}.ground_truth_intent ;; }
  dimension: sla_days_left { type: number sql: extract(epoch FROM ${TABLE}.sla_due_at - now()) / 86400.0 ;; }

  dimension_group: received { type: time timeframes: [raw, time, hour, date, week] sql: ${TABLE}.received_at ;; }
  dimension_group: predicted { type: time timeframes: [raw, time, hour, date, week] sql: ${TABLE}.predicted_at ;; }
  dimension_group: stored { type: time timeframes: [raw, time, date] sql: ${TABLE}.stored_at ;; }
  dimension_group: sla_due { type: time timeframes: [raw, date] sql: ${TABLE}.sla_due_at ;; }

  measure: count { type: count }
  measure: privacy_count { type: sum sql: CASE WHEN ${TABLE}.is_privacy THEN 1 ELSE 0 END ;; }
  measure: mean_confidence { type: average sql: ${TABLE}.confidence ;; value_format_name: percent_1 }
  measure: low_confidence_count { type: sum sql: CASE WHEN ${TABLE}.confidence < 0.5 THEN 1 ELSE 0 END ;; hidden: yes }
  measure: low_confidence_share { type: number sql: ${low_confidence_count}::float / NULLIF(${count}, 0) ;; value_format_name: percent_1 }
  measure: privacy_share { type: number sql: ${privacy_count}::float / NULLIF(${count}, 0) ;; value_format_name: percent_1 }
  measure: synthetic_correct { type: sum sql: CASE WHEN ${TABLE}.source = 'synthetic' AND ${TABLE}.intent = ${TABLE}.ground_truth_intent THEN 1 ELSE 0 END ;; hidden: yes }
  measure: synthetic_count { type: sum sql: CASE WHEN ${TABLE}.source = 'synthetic' THEN 1 ELSE 0 END ;; hidden: yes }
  measure: synthetic_accuracy { label: "Synthetic accuracy (test data)" type: number sql: ${synthetic_correct}::float / NULLIF(${synthetic_count}, 0) ;; value_format_name: percent_1 }
  measure: p50_received_to_stored_ms { type: median sql: ${received_to_stored_ms} ;; }
  measure: p95_received_to_stored_ms { type: percentile percentile: 95 sql: ${received_to_stored_ms} ;; }
}
