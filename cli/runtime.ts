/**
 * Wiring shared by the process entries (`pcc run`, `pcc processor`, `pcc sink`): reads the
 * config once, creates the clients, starts the /healthz + /metrics server, and stops everything
 * in order on SIGTERM. The entries only choose which parts to start.
 */
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type client from 'prom-client';
import { createCodec, createRegistry, type Codec } from '../lib/codec';
import { loadConfig, type PccConfig } from '../lib/config';
import { createPool } from '../lib/db';
import { createKafka } from '../lib/kafka';
import { onShutdown, type Stoppable } from '../lib/lifecycle';
import { createLogger, type Logger } from '../lib/logger';
import { createMetricsRegistry, startOpsServer } from '../lib/metrics';

export interface Runtime {
  config: Readonly<PccConfig>;
  logger: Logger;
  kafka: Kafka;
  codec: Codec;
  metrics: client.Registry;
  pool(): pg.Pool;
}

export interface Part {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): { ok: boolean; detail?: Record<string, unknown> };
}

export function createRuntime(processName: string): Runtime {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, json: config.log.json, component: processName });
  const kafka = createKafka({ config, logger, clientId: `${config.kafka.clientId}-${processName}` });
  const codec = createCodec(createRegistry(config));
  const metrics = createMetricsRegistry({ process: processName });
  let pool: pg.Pool | undefined;
  return { config, logger, kafka, codec, metrics, pool: () => (pool ??= createPool(config, `pcc-${processName}`)) };
}

/** Starts the parts, serves /healthz and /metrics, and resolves when a signal has stopped them. */
export async function runParts(rt: Runtime, parts: Part[], extraStops: Stoppable[] = []): Promise<number> {
  const ops = await startOpsServer({
    port: rt.config.metrics.port,
    registry: rt.metrics,
    health: () => {
      const states = parts.map((p) => ({ name: p.name, ...p.health() }));
      return { ok: states.every((s) => s.ok), detail: { parts: states } };
    },
  });
  rt.logger.info('ops server listening', { url: `http://127.0.0.1:${ops.port}`, paths: ['/healthz', '/metrics'] });
  return new Promise<number>((resolve) => {
    let unhealthyAtStop = false;
    const stops: Stoppable[] = [
      { name: 'health-at-stop', stop: async () => void (unhealthyAtStop = !parts.every((p) => p.health().ok)) },
      ...parts.map((p) => ({ name: p.name, stop: () => p.stop() })),
      ...extraStops,
      { name: 'ops-server', stop: () => ops.close() },
    ];
    // A part that is unhealthy when the process stops (a consumer that crashed for good) makes
    // the exit code non-zero, so a supervisor sees the failure.
    onShutdown(rt.logger, stops, rt.config.shutdownTimeoutMs, (code) => resolve(code || (unhealthyAtStop ? 1 : 0)));
    (async () => {
      for (const p of parts) {
        await p.start();
      }
    })().catch((err) => {
      rt.logger.error('start failed', { error: (err as Error).message, code: (err as { code?: string }).code });
      process.kill(process.pid, 'SIGTERM');
    });
  });
}
