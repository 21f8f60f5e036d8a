view: drift_metrics {
  sql_table_name: pcc.drift_metrics ;;
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

  dimension: metric { type: string sql: ${TABLE}.metric ;; }
  dimension: segment { type: string sql: ${TABLE}.segment ;; }
  dimension: status { type: string sql: ${TABLE}.status ;; }
  dimension: reference { type: string sql: ${TABLE}.reference ;; }
  dimension: value { type: number sql: ${TABLE}.value ;; }
  dimension: threshold { type: number sql: ${TABLE}.threshold ;; }
  dimension_group: window_start { type: time timeframes: [raw, time, hour, date] sql: ${TABLE}.window_start ;; }
  measure: mean_value { type: average sql: ${TABLE}.value ;; }
  measure: max_value { type: max sql: ${TABLE}.value ;; }
  measure: max_threshold { type: max sql: ${TABLE}.threshold ;; }
  measure: windows_over_threshold { type: sum sql: CASE WHEN ${TABLE}.status IN ('warning', 'critical') THEN 1 ELSE 0 END ;; }
}
