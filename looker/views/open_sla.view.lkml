view: open_sla {
  sql_table_name: pcc.v_open_sla ;;
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

  dimension: intent { type: string sql: ${TABLE}.intent ;; }
  dimension: days_left { type: number sql: ${TABLE}.days_left ;; value_format_name: decimal_1 }
  dimension_group: sla_due { type: time timeframes: [raw, date] sql: ${TABLE}.sla_due_at ;; }
  measure: count { type: count }
  measure: min_days_left { type: min sql: ${TABLE}.days_left ;; }
}
