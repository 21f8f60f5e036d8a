import { driftPart, processorPart, sinkPart } from '../parts';
import { createRuntime, runParts, type Part } from '../runtime';

export const summary = 'run the processor, the Postgres sink and the drift monitor in one process (laptop shape)';
export const usage = `usage: pcc run [--no-drift]

Starts the processor, the Postgres sink and (unless --no-drift) the drift monitor in one
process, sharing one /healthz and /metrics server on PCC_METRICS_PORT. The production shape
runs \`pcc processor\`, \`pcc sink\` and \`pcc drift\` as separate processes.`;

export async function run(argv: string[]): Promise<number> {
  const rt = createRuntime('run');
  const parts: Part[] = [await processorPart(rt), sinkPart(rt)];
  if (!argv.includes('--no-drift')) parts.push(driftPart(rt));
  return runParts(rt, parts, [{ name: 'pool', stop: () => rt.pool().end() }]);
}
