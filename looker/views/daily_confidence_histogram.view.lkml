view: daily_confidence_histogram {
  sql_table_name: pcc.v_daily_confidence_histogram ;;
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
  dimension: bucket_lower { label: "Confidence from" type: number sql: ${TABLE}.bucket_lower ;; value_format_name: percent_0 }
  measure: predictions { type: sum sql: ${TABLE}.predictions ;; }
}
