view: pipeline_metrics {
  sql_table_name: pcc.pipeline_metrics ;;
  dimension: component { type: string sql: ${TABLE}.component ;; }
  dimension: metric { type: string sql: ${TABLE}.metric ;; }
  dimension: source { description: "real, synthetic or all." type: string sql: ${TABLE}.source ;; }
  dimension_group: ts { type: time timeframes: [raw, time, hour, date] sql: ${TABLE}.ts ;; }
  measure: mean_value { type: average sql: ${TABLE}.value ;; }
  measure: max_value { type: max sql: ${TABLE}.value ;; }
}
