# pcc.v_daily_error_rate: dead letters over everything the processors saw, per source and UTC day.
# Source "unknown" is a record that could not be decoded far enough to know its source.
view: daily_error_rate {
  sql_table_name: pcc.v_daily_error_rate ;;

  dimension: pk { primary_key: yes hidden: yes type: string sql: ${TABLE}.source || ':' || ${TABLE}.day::text ;; }

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
  dimension: day_dead_letter_rate { label: "Dead-letter rate (that day)" type: number sql: ${TABLE}.dead_letter_rate ;; value_format_name: percent_2 }

  measure: predictions { type: sum sql: ${TABLE}.predictions ;; }
  measure: dead_letters { type: sum sql: ${TABLE}.dead_letters ;; }

  measure: dead_letter_rate {
    description: "Dead letters over dead letters plus predictions."
    type: number
    sql: ${dead_letters}::double precision / NULLIF(${dead_letters} + ${predictions}, 0) ;;
    value_format_name: percent_2
  }
}
