import { processorPart, sinkPart } from '../parts';
import { createRuntime, runParts, type Part } from '../runtime';

export const summary = 'run the processor, the Postgres sink and the drift monitor in one process (laptop shape)';
export const usage = `usage: pcc run [--no-drift]

Starts the processor, the Postgres sink and (unless --no-drift) the drift monitor in one
process, sharing one /healthz and /metrics server on PCC_METRICS_PORT. The production shape
runs \`pcc processor\`, \`pcc sink\` and \`pcc drift\` as separate processes.`;

export async function run(argv: string[]): Promise<number> {
  const rt = createRuntime('run');
  const parts: Part[] = [await processorPart(rt), sinkPart(rt)];
  if (!argv.includes('--no-drift')) {
    const drift = await driftPart(rt);
    if (drift) parts.push(drift);
  }
  return runParts(rt, parts, [{ name: 'pool', stop: () => rt.pool().end() }]);
}

async function driftPart(rt: ReturnType<typeof createRuntime>): Promise<Part | null> {
  // Loaded on demand so that `pcc run --no-drift` does not load the drift monitor at all.
  const mod = require('../../sinks/drift') as {
    createDriftMonitor(deps: object): { start(): Promise<void>; stop(): Promise<void>; health(): { ok: boolean; detail?: Record<string, unknown> } };
  };
  const monitor = mod.createDriftMonitor({ config: rt.config, logger: rt.logger, kafka: rt.kafka, codec: rt.codec, pool: rt.pool(), metrics: rt.metrics });
  return { name: 'drift', start: () => monitor.start(), stop: () => monitor.stop(), health: () => monitor.health() };
}
