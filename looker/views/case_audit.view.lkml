view: case_audit {
  sql_table_name: pcc.v_case_audit ;;
  dimension: case_id { type: string sql: ${TABLE}.case_id ;; }
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

  dimension: model_version { type: string sql: ${TABLE}.model_version ;; }
  dimension: intent { type: string sql: ${TABLE}.intent ;; }
  dimension: dead_lettered { type: yesno sql: ${TABLE}.dead_lettered ;; }
  dimension: dead_letter_reason_code { type: string sql: ${TABLE}.dead_letter_reason_code ;; }
  dimension_group: received { type: time timeframes: [raw, time] sql: ${TABLE}.received_at ;; }
  dimension_group: predicted { type: time timeframes: [raw, time] sql: ${TABLE}.predicted_at ;; }
  dimension_group: stored { type: time timeframes: [raw, time] sql: ${TABLE}.stored_at ;; }
  measure: count { type: count }
}
