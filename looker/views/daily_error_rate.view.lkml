view: daily_error_rate {
  sql_table_name: pcc.v_daily_error_rate ;;
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
  measure: predictions { type: sum sql: ${TABLE}.predictions ;; }
  measure: dead_letters { type: sum sql: ${TABLE}.dead_letters ;; }
  measure: dead_letter_rate { type: number sql: ${dead_letters}::float / NULLIF(${dead_letters} + ${predictions}, 0) ;; value_format_name: percent_2 }
}
