/**
 * The ceiling: what the infrastructure alone allows on this machine for the same cases.
 *
 * Kafka: the cases are produced (same batching as the pipeline phase) to one topic, copied by
 * a do-nothing consumer process (bench/passthrough.ts) to another, and counted on arrival there;
 * the figure is N / (last arrival - first produce).
 *
 * Postgres: N rows of the width of a pcc.predictions row (same columns, a realistic embedding
 * and excerpt) written by one plain COPY FROM STDIN into a table with the predictions columns
 * and no index; the figure is N / (COPY start to its commit).
 */
import type { Message } from 'kafkajs';
import pg from 'pg';
import type { BenchStack } from './stack';
import { connectProducer, produceAll, progressBar, waitForCount } from './load';
import { processCpuSeconds, round } from './proc';

export interface KafkaCeiling {
  cases: number;
  cases_per_s: number;
  produce_only_cases_per_s: number;
  seconds: number;
  passthrough_cpu_us_per_case: number | null;
  passthrough_peak_rss_mb: number | null;
}

export async function measureKafkaCeiling(stack: BenchStack, messages: Message[], timeBudgetMs: number): Promise<KafkaCeiling> {
  const { ceilingIn, ceilingOut } = stack.extraTopics;
  const child = stack.spawn('passthrough', ['bench/passthrough.ts'], { BENCH_IN: ceilingIn, BENCH_OUT: ceilingOut, BENCH_GROUP: stack.groups.ceiling });
  let arrived = 0;
  let lastArrivalAt = 0;
  const counter = stack.kafka.consumer({ groupId: stack.groups.ceilingCount, maxWaitTimeInMs: 100, maxBytesPerPartition: 4 * 1024 * 1024 });
  try {
    await counter.connect();
    await counter.subscribe({ topics: [ceilingOut], fromBeginning: true });
    await counter.run({
      eachBatch: async ({ batch }) => {
        arrived += batch.messages.length;
        lastArrivalAt = Date.now();
      },
    });
    await stack.waitGroupStable(stack.groups.ceiling, child);
    await stack.waitGroupStable(stack.groups.ceilingCount, null);
    const cpu0 = processCpuSeconds(child.pid);
    const deadline = Date.now() + timeBudgetMs;
    const producer = await connectProducer(stack.kafka);
    const bar = progressBar('kafka ceiling', messages.length);
    let timing;
    try {
      const produced = produceAll(producer, ceilingIn, messages, { deadline });
      const done = waitForCount(async () => arrived, messages.length, {
        timeoutMs: timeBudgetMs,
        stallMs: 60_000,
        intervalMs: 100,
        onValue: (v) => bar.update(v),
        failIf: () => (child.proc.exitCode !== null ? `pass-through exited (${child.proc.exitCode})` : null),
      });
      timing = await produced;
      const r = await done;
      if (!r.reached) throw new Error(`kafka ceiling: ${r.value} of ${messages.length} arrived (${r.reason})`);
    } finally {
      bar.stop();
      await producer.disconnect().catch(() => undefined);
    }
    const cpu1 = processCpuSeconds(child.pid);
    const seconds = (lastArrivalAt - timing.firstSendAt) / 1000;
    return {
      cases: messages.length,
      cases_per_s: Math.round(messages.length / seconds),
      produce_only_cases_per_s: Math.round(messages.length / ((timing.lastAckAt - timing.firstSendAt) / 1000)),
      seconds: round(seconds, 2),
      passthrough_cpu_us_per_case: cpu0 !== null && cpu1 !== null ? round(((cpu1 - cpu0) * 1e6) / messages.length, 1) : null,
      passthrough_peak_rss_mb: child.peakRssMb(),
    };
  } finally {
    await counter.disconnect().catch(() => undefined);
    await child.stop();
  }
}

export interface PostgresCeiling {
  rows: number;
  rows_per_s: number;
  seconds: number;
  row_bytes_avg: number;
  table: string;
}

const COPY_COLUMNS = [
  'case_id', 'source', 'intent', 'is_privacy', 'confidence', 'probabilities', 'embedding', 'model_version', 'redacted_excerpt',
  'pii_found', 'warnings', 'channel', 'language', 'jurisdiction', 'received_at', 'predicted_at', 'processing_ms',
  'ground_truth_intent', 'batch_id', 'sla_due_at', 'source_partition', 'source_offset',
];

/** Tab-separated tails (everything after case_id) of realistic prediction rows. */
function rowTails(count: number, embeddingDim: number, excerpts: string[]): string[] {
  const intents = ['access_request', 'deletion_request', 'not_privacy', 'marketing_opt_out', 'privacy_inquiry'];
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const now = Date.now();
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  return Array.from({ length: count }, (_, i) => {
    const probs = Array.from({ length: 9 }, () => Math.fround(rnd() / 9));
    const emb = Array.from({ length: embeddingDim }, () => Math.fround(rnd() * 2 - 1));
    const intent = intents[i % intents.length];
    const privacy = intent !== 'not_privacy';
    return [
      'real', intent, privacy ? 't' : 'f', String(Math.fround(0.5 + rnd() / 2)), `{${probs.join(',')}}`, `{${emb.join(',')}}`, 'bench-model',
      esc(excerpts[i % excerpts.length].slice(0, 280)), '{email}', '{}', 'email', 'en', 'GDPR', new Date(now - 1000).toISOString(), new Date(now).toISOString(),
      String(Math.fround(rnd() * 50)), '\\N', '\\N', privacy ? new Date(now + 30 * 86_400_000).toISOString() : '\\N', String(i % 6), String(i),
    ].join('\t');
  });
}

/**
 * COPY FROM STDIN through pg's submittable-query hook (the mechanism pg-copy-streams uses), so
 * the benchmark needs no extra dependency: send the statement, stream CopyData messages on
 * CopyInResponse with socket back-pressure, then CopyDone.
 */
function copyFrom(client: pg.Client, sql: string, chunks: () => Generator<string>): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed: Error | null = null;
    const submittable = {
      submit(connection: any) {
        connection.query(sql);
      },
      async handleCopyInResponse(connection: any) {
        try {
          const stream = connection.stream as NodeJS.WritableStream & { writableNeedDrain?: boolean };
          for (const chunk of chunks()) {
            connection.sendCopyFromChunk(Buffer.from(chunk, 'utf8'));
            if (stream.writableNeedDrain) await new Promise((r) => stream.once('drain', r));
          }
          connection.endCopyFrom();
        } catch (e) {
          connection.sendCopyFail((e as Error).message);
        }
      },
      handleCommandComplete() {},
      handleReadyForQuery() {
        if (failed) reject(failed);
        else resolve();
      },
      handleError(err: Error) {
        failed = err;
      },
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyData() {},
    };
    (client as unknown as { query(q: unknown): void }).query(submittable);
  });
}

export async function measurePostgresCeiling(stack: BenchStack, rows: number, embeddingDim: number, excerpts: string[]): Promise<PostgresCeiling> {
  const client = new pg.Client({ connectionString: stack.config.db.url, application_name: 'pcc-bench-copy' });
  await client.connect();
  const table = 'public.bench_copy_ceiling';
  try {
    await client.query(`CREATE TABLE ${table} (LIKE pcc.predictions INCLUDING DEFAULTS)`);
    const tails = rowTails(1000, embeddingDim, excerpts);
    const rowBytes = Math.round(tails.reduce((a, t) => a + Buffer.byteLength(t) + 12, 0) / tails.length);
    const bar = progressBar('postgres COPY ceiling', rows);
    function* chunks(): Generator<string> {
      let buf = '';
      for (let i = 0; i < rows; i++) {
        buf += `copy-${i}\t${tails[i % tails.length]}\n`;
        if (buf.length > 512 * 1024) {
          yield buf;
          buf = '';
          bar.update(i + 1);
        }
      }
      if (buf) yield buf;
      bar.update(rows);
    }
    const t0 = performance.now();
    try {
      await copyFrom(client, `COPY ${table} (${COPY_COLUMNS.join(', ')}) FROM STDIN`, chunks);
    } finally {
      bar.stop();
    }
    const seconds = (performance.now() - t0) / 1000;
    const { rows: c } = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
    if (c[0].n !== rows) throw new Error(`COPY stored ${c[0].n} of ${rows} rows`);
    return { rows, rows_per_s: Math.round(rows / seconds), seconds: round(seconds, 2), row_bytes_avg: rowBytes, table: 'same columns as pcc.predictions, no index, one COPY FROM STDIN' };
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
