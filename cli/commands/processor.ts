import { processorPart } from '../parts';
import { createRuntime, runParts } from '../runtime';

export const summary = 'run the stream processor alone (scale out by running more)';
export const usage = `usage: pcc processor

Consumes the real and synthetic case topics as consumer group PCC_PROCESSOR_GROUP, classifies
each batch and produces predictions and dead letters in Kafka transactions. Serves /healthz and
/metrics on PCC_METRICS_PORT. Stops gracefully on SIGTERM. Each instance of a scaled-out
processor needs its own PCC_PROCESSOR_INSTANCE (part of its transactional id).`;

export async function run(): Promise<number> {
  const rt = createRuntime('processor');
  return runParts(rt, [await processorPart(rt)]);
}
