import { sinkPart } from '../parts';
import { createRuntime, runParts } from '../runtime';

export const summary = 'run the Postgres sink alone (scale out by running more)';
export const usage = `usage: pcc sink

Consumes predictions, dead letters and alerts as consumer group PCC_SINK_GROUP and writes them
to Postgres idempotently, committing offsets after the database commit. Serves /healthz and
/metrics on PCC_METRICS_PORT. Stops gracefully on SIGTERM.`;

export async function run(): Promise<number> {
  const rt = createRuntime('sink');
  return runParts(rt, [sinkPart(rt)], [{ name: 'pool', stop: () => rt.pool().end() }]);
}
