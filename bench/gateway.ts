/**
 * The gateway under load: `node bin/pcc.js gateway` on a free port over the bench stream.
 * POST /v1/classify at fixed rates (open loop: requests leave on schedule whether or not the
 * previous ones have answered, so a slow answer cannot hide the queue behind it), latency from
 * send to the last byte; POST /v1/cases in batches of 100 with a few requests in flight, cases
 * accepted per second. Every loop is bounded in requests and in time, and only calls 127.0.0.1.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { commandNames } from '../cli/main';
import type { CaseFactory } from './cases';
import { progressBar, sleep } from './load';
import { freePort, percentile, processCpuSeconds, round } from './proc';
import type { BenchChild, BenchStack } from './stack';

export interface RateResult {
  target_rps: number;
  requests: number;
  ok: number;
  statuses: Record<string, number>;
  achieved_rps: number;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
}

export interface GatewayResult {
  available: boolean;
  reason?: string;
  classify?: RateResult[];
  classify_request_shape?: string;
  ingest?: { batch_size: number; batches: number; ok_batches: number; statuses: Record<string, number>; cases_per_s: number | null; seconds: number; request_shape?: string };
  cpu_us_per_classify?: number | null;
  peak_rss_mb?: number | null;
}

interface Reply {
  status: number;
  ms: number;
  body: string;
}

export function post(agent: http.Agent, port: number, path: string, key: string, payload: unknown, timeoutMs = 10_000): Promise<Reply> {
  const data = Buffer.from(JSON.stringify(payload));
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': data.length, authorization: `Bearer ${key}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: Buffer.concat(chunks).toString('utf8').slice(0, 500) }));
        res.on('error', () => resolve({ status: 0, ms: performance.now() - t0, body: 'response error' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, ms: performance.now() - t0, body: e.message }));
    req.end(data);
  });
}

async function waitListening(port: number, child: BenchChild, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.proc.exitCode !== null) throw new Error(`gateway exited (${child.proc.exitCode}): ${child.output.slice(-8).join(' | ')}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2_000 }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`gateway did not listen on ${port} within ${timeoutMs / 1000} s: ${child.output.slice(-8).join(' | ')}`);
    await sleep(250);
  }
}

/** Fires `rps` requests a second for `durationMs`, each one on schedule. */
export async function openLoop(send: (i: number) => Promise<Reply>, rps: number, durationMs: number, label: string): Promise<RateResult> {
  const total = Math.round((rps * durationMs) / 1000);
  const replies: Promise<Reply>[] = [];
  const bar = progressBar(label, total);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rps;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    replies.push(send(i));
    if (i % 20 === 0) bar.update(i);
  }
  const done = await Promise.all(replies);
  bar.update(total);
  bar.stop();
  const seconds = (performance.now() - t0) / 1000;
  const statuses: Record<string, number> = {};
  for (const r of done) statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
  const okMs = done.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.ms).sort((a, b) => a - b);
  const p = (q: number) => {
    const v = percentile(okMs, q);
    return v === null ? null : round(v, 1);
  };
  return { target_rps: rps, requests: total, ok: okMs.length, statuses, achieved_rps: round(total / seconds, 1), latency_ms: { p50: p(50), p95: p(95), p99: p(99), max: okMs.length ? round(okMs[okMs.length - 1], 1) : null } };
}

export async function measureGateway(stack: BenchStack, factory: CaseFactory, opts: { rates: number[]; durationMs: number; ingestBatches: number }): Promise<GatewayResult> {
  if (!commandNames().includes('gateway')) return { available: false, reason: '`pcc gateway` is not a command yet (no gateway entry in cli/main.ts)' };
  const port = await freePort();
  const key = `bench-${randomBytes(8).toString('hex')}`;
  const child = stack.spawn('gateway', ['gateway'], {
    PCC_GATEWAY_PORT: String(port),
    PCC_GATEWAY_HOST: '127.0.0.1',
    PCC_API_KEYS: `${key}-admin:admin,${key}-ingest:ingest,${key}-read:read`,
    PCC_METRICS_PORT: String(await freePort()),
    // The benchmark measures latency, not the per-key limit.
    PCC_GATEWAY_RATE_LIMIT: '1000000',
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  try {
    await waitListening(port, child, 60_000);
    const text = (i: number) => factory.value(`gw-${i}`, i).body;

    // The documented request shape (docs/api.md): one case as {"text"} with an ingest key.
    const classify = { shape: '{text}', make: (i: number) => ({ text: text(i) }), key: `${key}-ingest` };
    const first = await post(agent, port, '/v1/classify', classify.key, classify.make(0));
    const result: GatewayResult = { available: true };
    if (first.status !== 200) {
      result.classify = [];
      result.reason = `POST /v1/classify answered ${first.status}: ${first.body.slice(0, 200)}`;
    } else {
      result.classify_request_shape = `${classify.shape} with a ${classify.key.split('-').pop()} key`;
      for (let i = 0; i < 50; i++) await post(agent, port, '/v1/classify', classify.key, classify.make(i + 1_000_000)); // warm-up
      const cpu0 = processCpuSeconds(child.pid);
      let sent = 0;
      result.classify = [];
      for (const rps of opts.rates) {
        result.classify.push(await openLoop((i) => post(agent, port, '/v1/classify', classify!.key, classify!.make(i + rps * 100_000)), rps, opts.durationMs, `POST /v1/classify @${rps}/s`));
        sent += Math.round((rps * opts.durationMs) / 1000);
      }
      const cpu1 = processCpuSeconds(child.pid);
      result.cpu_us_per_classify = cpu0 !== null && cpu1 !== null ? round(((cpu1 - cpu0) * 1e6) / sent, 0) : null;
    }

    const batch = (b: number) => Array.from({ length: 100 }, (_, j) => {
      const i = b * 100 + j;
      const c = factory.value(`gwc-${i}`, i, Date.now());
      return { case_id: c.case_id, channel: c.channel, body: c.body, language: c.language, jurisdiction: c.jurisdiction, received_at: new Date(c.received_at).toISOString() };
    });
    const ingest = { shape: '{cases:[...]}', make: (b: number) => ({ cases: batch(b) }), key: `${key}-ingest` };
    const probe = await post(agent, port, '/v1/cases', ingest.key, ingest.make(1_000_000));
    if (probe.status !== 202) {
      result.ingest = { batch_size: 100, batches: 0, ok_batches: 0, statuses: {}, cases_per_s: null, seconds: 0 };
      result.reason = `${result.reason ? result.reason + '; ' : ''}POST /v1/cases answered ${probe.status}: ${probe.body.slice(0, 200)}`;
    } else {
      const payloads = Array.from({ length: opts.ingestBatches }, (_, b) => ingest!.make(b));
      const statuses: Record<string, number> = {};
      let next = 0;
      let ok = 0;
      const bar = progressBar('POST /v1/cases x100', opts.ingestBatches);
      const t0 = performance.now();
      const deadline = Date.now() + 120_000;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < payloads.length && Date.now() < deadline) {
            const r = await post(agent, port, '/v1/cases', ingest!.key, payloads[next++], 30_000);
            statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
            if (r.status >= 200 && r.status < 300) ok++;
            bar.update(next);
          }
        }),
      );
      bar.stop();
      const seconds = (performance.now() - t0) / 1000;
      result.ingest = { batch_size: 100, batches: next, ok_batches: ok, statuses, cases_per_s: Math.round((ok * 100) / seconds), seconds: round(seconds, 2), request_shape: `${ingest.shape} with a ${ingest.key.split('-').pop()} key, 4 requests in flight` };
    }
    result.peak_rss_mb = child.peakRssMb();
    return result;
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  } finally {
    agent.destroy();
    await child.stop();
  }
}
