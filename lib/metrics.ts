/**
 * Prometheus metrics (prom-client) and the small HTTP server every stream process exposes:
 * GET /healthz (alive and its components' states) and GET /metrics. Metric names follow
 * Prometheus conventions (pcc_*_total counters, *_seconds histograms) and carry a `source`
 * label where real and synthetic are both counted, so the two are never one series.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';

export type MetricsRegistry = client.Registry;

export function createMetricsRegistry(defaultLabels: Record<string, string> = {}): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels(defaultLabels);
  client.collectDefaultMetrics({ register: registry, prefix: 'pcc_process_' });
  return registry;
}

export type HealthCheck = () => { ok: boolean; detail?: Record<string, unknown> };

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** Starts /healthz and /metrics on `port` (0 picks a free one). */
export async function startOpsServer(opts: { port: number; host?: string; registry: client.Registry; health: HealthCheck }): Promise<OpsServer> {
  const server = http.createServer(async (req, res) => {
    try {
      if (req.url === '/metrics') {
        const body = await opts.registry.metrics();
        res.writeHead(200, { 'content-type': opts.registry.contentType });
        res.end(body);
      } else if (req.url === '/healthz') {
        const h = opts.health();
        res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: h.ok ? 'ok' : 'unhealthy', ...h.detail }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ statusCode: 404, code: 'PCC_HTTP_NOT_FOUND', error: 'Not Found', message: 'only /healthz and /metrics here' }));
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 500, code: 'PCC_INTERNAL', error: 'Internal Server Error', message: 'metrics collection failed' }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
