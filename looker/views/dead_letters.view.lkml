view: dead_letters {
  sql_table_name: pcc.dead_letters ;;
  dimension: key { primary_key: yes hidden: yes type: string sql: ${TABLE}.source_topic || '/' || ${TABLE}.source_partition || '/' || ${TABLE}.source_offset ;; }
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

  dimension: case_id { type: string sql: ${TABLE}.case_id ;; }
  dimension: source_topic { type: string sql: ${TABLE}.source_topic ;; }
  dimension: reason_code { type: string sql: ${TABLE}.reason_code ;; }
  dimension: reason { type: string sql: ${TABLE}.reason ;; }
  dimension: replay_count { type: number sql: ${TABLE}.replay_count ;; }
  dimension_group: failed { type: time timeframes: [raw, time, hour, date] sql: ${TABLE}.failed_at ;; }
  measure: count { type: count }
  measure: replayed { type: sum sql: CASE WHEN ${TABLE}.replay_count > 0 THEN 1 ELSE 0 END ;; }
}
