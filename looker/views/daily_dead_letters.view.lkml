# pcc.v_daily_dead_letters: dead letters per source, UTC day and reason code (rolling 7 days).
view: daily_dead_letters {
  sql_table_name: pcc.v_daily_dead_letters ;;

  dimension: pk { primary_key: yes hidden: yes type: string sql: ${TABLE}.source || ':' || ${TABLE}.day::text || ':' || ${TABLE}.reason_code ;; }

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
  dimension: reason_code { description: "Stable code from docs/errors.md." type: string sql: ${TABLE}.reason_code ;; }

  measure: dead_letters { type: sum sql: ${TABLE}.dead_letters ;; }
}
