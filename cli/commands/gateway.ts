import { onShutdown } from '../../lib/lifecycle';
import { createRuntime } from '../runtime';

export const summary = 'run the REST gateway (cases in, classify, audit, monitoring, dashboard) on PCC_GATEWAY_PORT';
export const usage = `usage: pcc gateway

Serves the REST API on PCC_GATEWAY_HOST:PCC_GATEWAY_PORT (127.0.0.1:3000 by default):
POST /v1/cases and /v1/classify (role ingest), GET /v1/cases/{id}/prediction|audit and
/v1/monitoring/* (role read), /v1/synthetic/batches (admin), /dashboard (read), and /healthz,
/readyz, /metrics and /openapi.json without a key. API keys come from PCC_API_KEYS
("key:role,...") or PCC_API_KEYS_FILE. docs/api.md describes every route. Stops gracefully on
SIGTERM.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const rt = createRuntime('gateway');
  const { startGateway } = require('../../gateway/server') as typeof import('../../gateway/server');
  const server = await startGateway({ config: rt.config, logger: rt.logger, kafka: rt.kafka, codec: rt.codec, pool: rt.pool(), metrics: rt.metrics });
  process.stdout.write(`gateway: ${server.url} (docs: ${server.url}/openapi.json, dashboard: ${server.url}/dashboard)\n`);
  return new Promise<number>((resolve) => {
    onShutdown(rt.logger, [
      { name: 'gateway', stop: () => server.stop() },
      { name: 'pool', stop: () => rt.pool().end() },
    ], rt.config.shutdownTimeoutMs, resolve);
  });
}
