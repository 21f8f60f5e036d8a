# pcc.dead_letters: one row per rejected record (topic, partition, offset), with its reason.
# Source is empty when the record could not be decoded far enough to know it.
view: dead_letters {
  sql_table_name: pcc.dead_letters ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.source_topic || '/' || ${TABLE}.source_partition::text || '/' || ${TABLE}.source_offset::text ;;
  }

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

  dimension: case_id { type: string sql: ${TABLE}.case_id ;; }
  dimension: source_topic { type: string sql: ${TABLE}.source_topic ;; }
  dimension: source_partition { type: number sql: ${TABLE}.source_partition ;; }
  dimension: source_offset { type: number sql: ${TABLE}.source_offset ;; }
  dimension: reason_code { description: "Stable code from docs/errors.md." type: string sql: ${TABLE}.reason_code ;; }
  dimension: reason { type: string sql: ${TABLE}.reason ;; }
  dimension: payload_redacted { type: yesno sql: ${TABLE}.payload_redacted ;; }
  dimension: replay_count { type: number sql: ${TABLE}.replay_count ;; }
  dimension: is_replayed { type: yesno sql: ${TABLE}.replay_count > 0 ;; }

  dimension_group: failed { type: time timeframes: [raw, time, hour, date, week] sql: ${TABLE}.failed_at ;; }
  dimension_group: stored { type: time timeframes: [raw, time, date] sql: ${TABLE}.stored_at ;; }
  dimension_group: replayed { type: time timeframes: [raw, time, date] sql: ${TABLE}.replayed_at ;; }

  measure: count { type: count }
  measure: replayed_count { type: count filters: [is_replayed: "yes"] }
}
