# pcc.v_case_audit: a case's trail: received, predicted, stored, model, and whether (and why) it
# was dead-lettered. A case dead-lettered more than once has one row per dead letter.
view: case_audit {
  sql_table_name: pcc.v_case_audit ;;

  dimension: case_id { type: string sql: ${TABLE}.case_id ;; }

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

  dimension: model_version { type: string sql: ${TABLE}.model_version ;; }
  dimension: intent { type: string sql: ${TABLE}.intent ;; }
  dimension: confidence { type: number sql: ${TABLE}.confidence ;; value_format_name: percent_1 }
  dimension: warnings { type: string sql: array_to_string(${TABLE}.warnings, ', ') ;; }
  dimension: batch_id { description: "Synthetic (test data) only." type: string sql: ${TABLE}.batch_id ;; }
  dimension: is_predicted { type: yesno sql: ${TABLE}.predicted_at IS NOT NULL ;; }
  dimension: dead_lettered { type: yesno sql: ${TABLE}.dead_lettered ;; }
  dimension: dead_letter_reason_code { type: string sql: ${TABLE}.dead_letter_reason_code ;; }
  dimension: dead_letter_reason { type: string sql: ${TABLE}.dead_letter_reason ;; }
  dimension: received_to_stored_ms { type: number sql: extract(epoch FROM ${TABLE}.stored_at - ${TABLE}.received_at) * 1000 ;; }

  dimension_group: received { type: time timeframes: [raw, time, date] sql: ${TABLE}.received_at ;; }
  dimension_group: predicted { type: time timeframes: [raw, time, date] sql: ${TABLE}.predicted_at ;; }
  dimension_group: stored { type: time timeframes: [raw, time, date] sql: ${TABLE}.stored_at ;; }
  dimension_group: sla_due { type: time timeframes: [raw, date] sql: ${TABLE}.sla_due_at ;; }
  dimension_group: dead_letter_failed { type: time timeframes: [raw, time, date] sql: ${TABLE}.dead_lettered_at ;; }
  dimension_group: dead_letter_replayed { type: time timeframes: [raw, time, date] sql: ${TABLE}.dead_letter_replayed_at ;; }

  measure: count { type: count }
  measure: cases { type: count_distinct sql: ${TABLE}.case_id ;; }
  measure: dead_lettered_count { type: count filters: [dead_lettered: "yes"] }
}
