# synthetic.batches: generated batches of synthetic (test) cases, in their own schema apart from
# everything real. Every row here is test data.
view: synthetic_batches {
  label: "Synthetic batches (test data)"
  sql_table_name: synthetic.batches ;;

  dimension: batch_id { primary_key: yes type: string sql: ${TABLE}.batch_id ;; }

  dimension: source_label {
    label: "Source"
    description: "Always Synthetic (test data): batches are generated cases with known intents."
    type: string
    sql: 'Synthetic (test data)' ;;
  }

  dimension: version { type: number sql: ${TABLE}.version ;; }
  dimension: backend { description: "template or openai (an LLM)." type: string sql: ${TABLE}.backend ;; }
  dimension: generator_version { type: string sql: ${TABLE}.generator_version ;; }
  dimension: model { type: string sql: ${TABLE}.model ;; }
  dimension: seed { type: number sql: ${TABLE}.seed ;; }
  dimension: status { type: string sql: ${TABLE}.status ;; }
  dimension: parameters { type: string sql: ${TABLE}.parameters::text ;; }
  dimension: targets { description: "Target intent mix and diversity." type: string sql: ${TABLE}.targets::text ;; }
  dimension: achieved { description: "Achieved intent mix and diversity." type: string sql: ${TABLE}.achieved::text ;; }
  dimension_group: schedule { type: time datatype: date timeframes: [raw, date] sql: ${TABLE}.schedule_day ;; }
  dimension_group: created { type: time timeframes: [raw, time, date] sql: ${TABLE}.created_at ;; }
  dimension_group: published { type: time timeframes: [raw, time, date] sql: ${TABLE}.published_at ;; }

  measure: count { label: "Batches" type: count }
}
