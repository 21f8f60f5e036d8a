# pcc.pipeline_metrics: operational counters sampled by the processes (batch sizes, lag, stage
# timings), per source; "all" is a series that is not split by source (e.g. broker lag).
view: pipeline_metrics {
  sql_table_name: pcc.pipeline_metrics ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.ts::text || ':' || ${TABLE}.component || ':' || ${TABLE}.metric || ':' || ${TABLE}.source ;;
  }

  dimension: source {
    description: "real, synthetic or all (a series not split by source). Synthetic is generated test traffic."
    type: string
    sql: ${TABLE}.source ;;
  }

  dimension: source_label {
    label: "Source"
    type: string
    sql: CASE WHEN ${TABLE}.source = 'synthetic' THEN 'Synthetic (test data)' WHEN ${TABLE}.source = 'real' THEN 'Real' WHEN ${TABLE}.source = 'all' THEN 'All (not split)' ELSE 'Unknown' END ;;
  }

  dimension: component { type: string sql: ${TABLE}.component ;; }
  dimension: metric { type: string sql: ${TABLE}.metric ;; }
  dimension: value { type: number sql: ${TABLE}.value ;; }
  dimension: labels { type: string sql: ${TABLE}.labels::text ;; }
  dimension_group: ts { label: "Sampled" type: time timeframes: [raw, time, minute, hour, date] sql: ${TABLE}.ts ;; }

  measure: samples { type: count }
  measure: mean_value { type: average sql: ${TABLE}.value ;; }
  measure: max_value { type: max sql: ${TABLE}.value ;; }
  measure: min_value { type: min sql: ${TABLE}.value ;; }
  measure: p95_value { type: percentile percentile: 95 sql: ${TABLE}.value ;; }
}
