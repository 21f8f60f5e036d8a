import { driftPart } from '../parts';
import { createRuntime, runParts } from '../runtime';

export const summary = 'run the drift monitor alone (windows, drift metrics, alerts)';
export const usage = `usage: pcc drift

Consumes predictions and dead letters as consumer group PCC_DRIFT_GROUP, folds them into
event-time windows of PCC_DRIFT_WINDOW_MS, and for every closed window writes its metrics to
pcc.drift_metrics, produces alerts to PCC_TOPIC_ALERTS and posts them to PCC_ALERT_WEBHOOK_URL.
Window state is checkpointed to Postgres, so a restart neither loses nor double-counts a
window. Run one instance per group: windows span every partition. Serves /healthz and /metrics
on PCC_METRICS_PORT. Stops gracefully on SIGTERM. Metrics, thresholds and alert kinds:
docs/monitoring.md and docs/runbooks/.`;

export async function run(): Promise<number> {
  const rt = createRuntime('drift');
  return runParts(rt, [driftPart(rt)], [{ name: 'pool', stop: () => rt.pool().end() }]);
}
