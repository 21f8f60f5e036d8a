# pcc.v_daily_confidence_histogram: ten confidence buckets of 0.1 per source and UTC day (rolling 7 days).
view: daily_confidence_histogram {
  sql_table_name: pcc.v_daily_confidence_histogram ;;

  dimension: pk { primary_key: yes hidden: yes type: string sql: ${TABLE}.source || ':' || ${TABLE}.day::text || ':' || ${TABLE}.bucket::text ;; }

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

  dimension_group: day { type: time datatype: date timeframes: [raw, date, week] sql: ${TABLE}.day ;; }
  dimension: bucket { description: "1 (confidence below 0.1) to 10 (0.9 and above)." type: number sql: ${TABLE}.bucket ;; }
  dimension: bucket_lower { label: "Confidence from" type: number sql: ${TABLE}.bucket_lower ;; value_format_name: decimal_1 }
  dimension: bucket_range {
    label: "Confidence bucket"
    type: string
    sql: to_char(${TABLE}.bucket_lower, 'FM0.0') || '-' || to_char(${TABLE}.bucket_lower + 0.1, 'FM0.0') ;;
    order_by_field: bucket
  }

  measure: predictions { type: sum sql: ${TABLE}.predictions ;; }
  measure: share_of_selection { type: percent_of_total sql: ${predictions} ;; }
}
