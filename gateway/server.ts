/**
 * The gateway's wiring over the real services: the case publisher, the reply listener, the
 * readiness checks and the lag reader, then the HTTP server. `startGateway` is what
 * `npx pcc gateway` runs and what the integration tests start with their own config.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import type client from 'prom-client';
import type { Codec } from '../lib/codec';
import type { PccConfig } from '../lib/config';
import type { Logger } from '../lib/logger';
import { withTimeout } from '../lib/retry';
import { createCasePublisher } from '../producers/real/publisher';
import { loadKeys, type KeyStore } from './auth';
import { buildApp, type ReadyCheck } from './app';
import { createReplyListener } from './replies';

export interface GatewayServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export interface StartGatewayDeps {
  config: Readonly<PccConfig>;
  logger: Logger;
  kafka: Kafka;
  codec: Codec;
  pool: pg.Pool;
  metrics: client.Registry;
  keys?: KeyStore;
  /** Port to listen on; PCC_GATEWAY_PORT when absent (0 picks a free one). */
  port?: number;
}

async function timed(fn: () => Promise<unknown>, timeoutMs = 2000): Promise<ReadyCheck> {
  const start = Date.now();
  try {
    await withTimeout(fn(), timeoutMs, () => {
      throw new Error(`no answer in ${timeoutMs} ms`);
    });
    return { ok: true, ms: Date.now() - start };
  } catch (err) {
    return { ok: false, ms: Date.now() - start, error: ((err as Error).message ?? 'error').slice(0, 200) };
  }
}

/** Caches an async value for `ttlMs`, sharing one call between concurrent callers. */
function cached<T>(ttlMs: number, fn: () => Promise<T>): () => Promise<T> {
  let at = 0;
  let value: Promise<T> | null = null;
  return () => {
    if (!value || Date.now() - at > ttlMs) {
      at = Date.now();
      value = fn();
      value.catch(() => (value = null));
    }
    return value;
  };
}

/** Records between a group's committed offsets and the ends of `topic`; null when unknown. */
async function topicLag(admin: Admin, groupId: string, topic: string): Promise<number | null> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  let lag = 0;
  for (const p of committed?.partitions ?? []) {
    const end = ends.find((e) => e.partition === p.partition);
    if (!end) continue;
    const c = Number(p.offset);
    lag += Math.max(0, Number(end.high) - (c < 0 ? Number(end.low) : c));
  }
  return lag;
}

export async function startGateway(deps: StartGatewayDeps): Promise<GatewayServer> {
  const { config, logger, kafka, codec, pool } = deps;
  const log = logger.child({ component: 'gateway' });
  const keys = deps.keys ?? loadKeys(config.gateway);
  if (keys.size === 0) log.warn('no API keys configured (PCC_API_KEYS or PCC_API_KEYS_FILE): every /v1 route and the dashboard answer 401');

  const publisher = await createCasePublisher(kafka, codec, config.topics.casesReal);
  const replies = createReplyListener({ kafka, codec, logger, topics: { predictions: config.topics.predictions, dlq: config.topics.dlq }, groupPrefix: config.gateway.group });
  await replies.start();
  const admin = kafka.admin();
  await admin.connect();

  const ready = cached(1000, async () => ({
    kafka: await timed(() => admin.describeCluster()),
    registry: await timed(async () => {
      const res = await fetch(`${config.registry.url}/subjects`, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) throw new Error(`registry answered ${res.status}`);
    }),
    postgres: await timed(() => pool.query('SELECT 1')),
  }));
  const lag = cached(5000, async () => {
    const t = config.topics;
    // Per source for the processor (its two case topics), never pooled; the sink reads one topic.
    const [real, synthetic, sink] = await Promise.all([
      topicLag(admin, config.processor.groupId, t.casesReal).catch(() => null),
      topicLag(admin, config.processor.groupId, t.casesSynthetic).catch(() => null),
      topicLag(admin, config.sink.groupId, t.predictions).catch(() => null),
    ]);
    return { processor_real: real, processor_synthetic: synthetic, sink };
  });

  const app = buildApp({
    config,
    logger,
    pool,
    metrics: deps.metrics,
    keys,
    publish: (cases) => publisher.publish(cases),
    replies,
    ready: async () => ({ ...(await ready()) }),
    lag,
    synthetic: { config, pool, logger, kafka, codec },
  });

  const server = http.createServer(app);
  // Slow clients cannot hold a connection open for ever; keep-alive outlives a load balancer's.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port ?? config.gateway.port, config.gateway.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.gateway.host.includes(':') ? `[${config.gateway.host}]` : config.gateway.host}:${port}`;
  log.info('gateway listening', { url, keys: keys.size });
  return {
    port,
    url,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      const inflight = [...(app.locals.inflight as Set<Promise<void>>)];
      if (inflight.length) {
        log.info('waiting for synthetic generations to finish', { batches: inflight.length });
        await withTimeout(Promise.all(inflight), config.shutdownTimeoutMs / 2, () => undefined);
      }
      await replies.stop().catch(() => undefined);
      await publisher.close().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}
