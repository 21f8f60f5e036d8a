view: daily_intent_mix {
  sql_table_name: pcc.v_daily_intent_mix ;;
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

  dimension_group: day { type: time datatype: date timeframes: [raw, date] sql: ${TABLE}.day ;; }
  dimension: intent { type: string sql: ${TABLE}.intent ;; }
  measure: predictions { type: sum sql: ${TABLE}.predictions ;; }
  measure: share { type: average sql: ${TABLE}.share ;; value_format_name: percent_1 }
}
