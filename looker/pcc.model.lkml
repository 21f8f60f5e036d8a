# PCC - Privacy Case Classifier. Looker reads the tables and views of migrations/ in database pcc.
# Real and synthetic are never pooled: every view with both carries `source` and a "Source" label
# that reads "Synthetic (test data)" for synthetic rows; the dashboard pivots every tile on it.
connection: "pcc_postgres"

include: "/views/*.view.lkml"
include: "/dashboards/*.dashboard.lookml"

datagroup: pcc_default {
  sql_trigger: SELECT max(stored_at) FROM pcc.prediction_keys ;;
  max_cache_age: "1 hour"
}
persist_with: pcc_default

explore: predictions {
  label: "Predictions"
  description: "One row per classified case, real and synthetic. Pivot or filter on Source: synthetic cases are test traffic with a known intent."
  join: dead_letters {
    view_label: "Dead letters of this case"
    type: left_outer
    relationship: one_to_many
    sql_on: ${dead_letters.case_id} = ${predictions.case_id} AND ${dead_letters.source} = ${predictions.source} ;;
  }
  join: synthetic_batches {
    view_label: "Synthetic batch (test data)"
    type: left_outer
    relationship: many_to_one
    sql_on: ${synthetic_batches.batch_id} = ${predictions.batch_id} AND ${predictions.source} = 'synthetic' ;;
  }
}

explore: daily_predictions {
  label: "Daily monitoring (rolling 7 days)"
  description: "Volume, confidence, low-confidence share, latency and dead-letter rate per UTC day and source."
  join: daily_error_rate {
    type: full_outer
    relationship: one_to_one
    sql_on: ${daily_error_rate.source} = ${daily_predictions.source} AND ${daily_error_rate.day_raw} = ${daily_predictions.day_raw} ;;
  }
}

explore: daily_intent_mix { label: "Daily intent mix (rolling 7 days)" }
explore: daily_confidence_histogram { label: "Daily confidence distribution (rolling 7 days)" }
explore: daily_error_rate { label: "Daily dead-letter rate (rolling 7 days)" }
explore: daily_dead_letters { label: "Daily dead letters by reason (rolling 7 days)" }

explore: dead_letters {
  label: "Dead letters"
  description: "Every rejected record with its reason code; joined to the prediction made after a successful replay, if any."
  join: predictions {
    view_label: "Prediction after replay"
    type: left_outer
    relationship: many_to_one
    sql_on: ${predictions.case_id} = ${dead_letters.case_id} AND ${predictions.source} = ${dead_letters.source} ;;
  }
}

explore: case_audit { label: "Case audit trail" }

explore: open_sla {
  label: "Open privacy deadlines"
  description: "Privacy cases whose deadline is ahead. Synthetic (test data) deadlines are not obligations: the default filter shows real cases."
  always_filter: { filters: [open_sla.source: "real"] }
}

explore: pipeline_metrics { label: "Pipeline metrics" }

explore: synthetic_batches {
  label: "Synthetic batches (test data only)"
  description: "Generated batches and the predictions made on their cases: accuracy per batch. Never real traffic."
  join: predictions {
    view_label: "Predictions (synthetic, test data)"
    type: left_outer
    relationship: one_to_many
    sql_on: ${predictions.batch_id} = ${synthetic_batches.batch_id} AND ${predictions.source} = 'synthetic' ;;
  }
}

# Views owned by the drift monitor (views/drift_metrics.view.lkml, views/alerts.view.lkml).
explore: drift_metrics { label: "Drift metrics (per window and source)" }
explore: alerts { label: "Alerts" }
