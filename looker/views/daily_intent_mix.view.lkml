# pcc.v_daily_intent_mix: predictions per source, UTC day and intent (rolling 7 days).
view: daily_intent_mix {
  sql_table_name: pcc.v_daily_intent_mix ;;

  dimension: pk { primary_key: yes hidden: yes type: string sql: ${TABLE}.source || ':' || ${TABLE}.day::text || ':' || ${TABLE}.intent ;; }

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
  dimension: intent { type: string sql: ${TABLE}.intent ;; }
  dimension: day_share { label: "Share of the day (same source)" type: number sql: ${TABLE}.share ;; value_format_name: percent_1 }

  measure: predictions { type: sum sql: ${TABLE}.predictions ;; }

  measure: share_of_selection {
    description: "This row's predictions over the column total. Pivot on Source so that each source is its own 100%."
    type: percent_of_total
    sql: ${predictions} ;;
  }
}
