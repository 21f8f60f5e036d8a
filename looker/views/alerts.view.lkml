view: alerts {
  sql_table_name: pcc.alerts ;;
  dimension: alert_id { primary_key: yes type: string sql: ${TABLE}.alert_id ;; }
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

  dimension: kind { type: string sql: ${TABLE}.kind ;; }
  dimension: severity { type: string sql: ${TABLE}.severity ;; }
  dimension: status { type: string sql: ${TABLE}.status ;; }
  dimension: metric { type: string sql: ${TABLE}.metric ;; }
  dimension: value { type: number sql: ${TABLE}.value ;; }
  dimension: threshold { type: number sql: ${TABLE}.threshold ;; }
  dimension_group: fired { type: time timeframes: [raw, time, date] sql: ${TABLE}.fired_at ;; }
  dimension_group: resolved { type: time timeframes: [raw, time, date] sql: ${TABLE}.resolved_at ;; }
  measure: count { type: count }
  measure: firing { type: sum sql: CASE WHEN ${TABLE}.status = 'firing' THEN 1 ELSE 0 END ;; }
}
