# PCC — Privacy Case Classifier. Looker reads the tables and views of migrations/ in database pcc.
# Real and synthetic are never pooled: every explore carries `source`, and synthetic rows are
# labelled "Synthetic (test data)" wherever they appear.
connection: "pcc_postgres"

include: "/views/*.view.lkml"
include: "/dashboards/*.dashboard.lookml"

explore: predictions {
  label: "Predictions (real and synthetic, split by source)"
  description: "One row per classified case. Filter or pivot on Source: synthetic cases are test traffic with a known intent."
  join: case_audit {
    type: left_outer
    relationship: one_to_one
    sql_on: ${case_audit.case_id} = ${predictions.case_id} AND ${case_audit.source} = ${predictions.source} ;;
  }
  join: synthetic_batches {
    type: left_outer
    relationship: many_to_one
    sql_on: ${synthetic_batches.batch_id} = ${predictions.batch_id} ;;
  }
}

explore: daily_predictions {
  label: "Daily monitoring (rolling 7 days)"
  join: daily_error_rate {
    type: left_outer
    relationship: one_to_one
    sql_on: ${daily_error_rate.source} = ${daily_predictions.source} AND ${daily_error_rate.day_date} = ${daily_predictions.day_date} ;;
  }
}

explore: daily_intent_mix { label: "Daily intent mix (rolling 7 days)" }
explore: daily_confidence_histogram { label: "Daily confidence distribution (rolling 7 days)" }
explore: daily_error_rate { label: "Daily dead-letter rate (rolling 7 days)" }
explore: dead_letters { label: "Dead letters" }
explore: case_audit { label: "Case audit trail" }
explore: open_sla { label: "Open privacy deadlines" }
explore: pipeline_metrics { label: "Pipeline metrics" }
explore: drift_metrics { label: "Drift metrics (per window and source)" }
explore: alerts { label: "Alerts" }

explore: synthetic_batches {
  label: "Synthetic batches (test data only)"
  description: "Generated batches and the predictions made on them; never real traffic."
  join: predictions {
    type: left_outer
    relationship: one_to_many
    sql_on: ${predictions.batch_id} = ${synthetic_batches.batch_id} AND ${predictions.source} = 'synthetic' ;;
  }
}
