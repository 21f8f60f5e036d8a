# pcc.v_open_sla: privacy predictions whose deadline is still ahead (GDPR 30 days, CCPA 45).
# Deadlines of synthetic (test data) cases are not obligations: filter or split by Source.
view: open_sla {
  sql_table_name: pcc.v_open_sla ;;

  dimension: pk { primary_key: yes hidden: yes type: string sql: ${TABLE}.case_id || ':' || ${TABLE}.source ;; }
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

  dimension: intent { type: string sql: ${TABLE}.intent ;; }
  dimension: confidence { type: number sql: ${TABLE}.confidence ;; value_format_name: percent_1 }
  dimension: days_left { type: number sql: ${TABLE}.days_left ;; value_format_name: decimal_1 }

  dimension: days_left_tier {
    label: "Days left"
    type: tier
    tiers: [3, 7, 14, 30]
    style: integer
    sql: ${TABLE}.days_left ;;
  }

  dimension_group: received { type: time timeframes: [raw, time, date] sql: ${TABLE}.received_at ;; }
  dimension_group: sla_due { type: time timeframes: [raw, time, date, week] sql: ${TABLE}.sla_due_at ;; }

  measure: count { label: "Open deadlines" type: count }
  measure: due_within_7_days { type: count filters: [days_left: "<7"] }
  measure: min_days_left { label: "Nearest deadline (days left)" type: min sql: ${TABLE}.days_left ;; value_format_name: decimal_1 }
  measure: mean_days_left { type: average sql: ${TABLE}.days_left ;; value_format_name: decimal_1 }
}
