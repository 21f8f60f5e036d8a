view: synthetic_batches {
  label: "Synthetic batches (test data)"
  sql_table_name: synthetic.batches ;;
  dimension: batch_id { primary_key: yes type: string sql: ${TABLE}.batch_id ;; }
  dimension: backend { type: string sql: ${TABLE}.backend ;; }
  dimension: generator_version { type: string sql: ${TABLE}.generator_version ;; }
  dimension: model { type: string sql: ${TABLE}.model ;; }
  dimension: seed { type: number sql: ${TABLE}.seed ;; }
  dimension: status { type: string sql: ${TABLE}.status ;; }
  dimension_group: created { type: time timeframes: [raw, time, date] sql: ${TABLE}.created_at ;; }
  measure: count { type: count }
}
