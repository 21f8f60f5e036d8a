/**
 * The benchmark's result: one JSON document (bench/results/<timestamp>.json and latest.json)
 * with the headline figures at the top level, the targets beside them with met: true/false,
 * and each phase's detail; and a markdown summary of it (latest.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WarmupRound } from './pipeline';

export interface Target {
  name: string;
  target: string;
  measured: number | null;
  unit: string;
  met: boolean | null;
}

export const TARGETS = {
  e2eCasesPerS: 10_000,
  ratioToCeiling: 0.6,
  e2eP99Ms: 1_000,
  classifyP99MsAt20: 100,
  processorRssMb: 500,
};

export function targetRows(r: { e2e: number | null; ratio: number | null; p99: number | null; classifyP99: number | null; rss: number | null }): Target[] {
  const ge = (v: number | null, t: number) => (v === null ? null : v >= t);
  const le = (v: number | null, t: number) => (v === null ? null : v <= t);
  return [
    { name: 'end-to-end throughput', target: `>= ${TARGETS.e2eCasesPerS} cases/s`, measured: r.e2e, unit: 'cases/s', met: ge(r.e2e, TARGETS.e2eCasesPerS) },
    { name: 'share of the ceiling', target: `>= ${TARGETS.ratioToCeiling}`, measured: r.ratio, unit: 'ratio', met: ge(r.ratio, TARGETS.ratioToCeiling) },
    { name: 'p99 end-to-end latency at half the maximum rate', target: `<= ${TARGETS.e2eP99Ms} ms`, measured: r.p99, unit: 'ms', met: le(r.p99, TARGETS.e2eP99Ms) },
    { name: 'POST /v1/classify p99 at 20 requests/s', target: `<= ${TARGETS.classifyP99MsAt20} ms`, measured: r.classifyP99, unit: 'ms', met: le(r.classifyP99, TARGETS.classifyP99MsAt20) },
    { name: 'processor peak RSS', target: `<= ${TARGETS.processorRssMb} MB`, measured: r.rss, unit: 'MB', met: le(r.rss, TARGETS.processorRssMb) },
  ];
}

const fmt = (v: unknown, digits = 0): string => {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return v.toLocaleString('en', { maximumFractionDigits: digits });
  return String(v);
};

/** Each warm-up round's throughput and broker CPU, for the report and the run's log. */
export function warmupRoundsText(rounds: WarmupRound[]): string {
  return rounds.map((x) => `${fmt(x.cases_per_s)}/s${x.kafka_broker_cpu_us_per_case === null ? '' : ` (broker ${fmt(x.kafka_broker_cpu_us_per_case, 1)} µs/case)`}`).join(' · ');
}

export function markdown(r: any): string {
  const L: string[] = [];
  L.push(`# PCC benchmark — ${r.measured_at}`, '');
  L.push(`Commit \`${r.git_commit ?? 'unknown'}\`, model \`${r.model_version ?? 'unknown'}\`, N = ${fmt(r.N)} cases of ~${r.case_body_bytes} bytes of body (${r.case_value_bytes} bytes as Avro), ${r.config.partitions} partitions.`);
  L.push(`Machine: ${r.machine.cores} cores (${r.machine.cpu_model}), ${fmt(r.machine.memory_gb, 1)} GB, ${r.machine.platform}, Node ${r.machine.node}; Kafka, the registry and Postgres share it.${r.config.quick ? ' **Quick run** (reduced sizes).' : ''}${r.config.soak ? ' **Soak run.**' : ''}`, '');
  L.push('## Targets', '', '| target | wanted | measured | met |', '|---|---|---|---|');
  for (const t of r.targets as Target[]) L.push(`| ${t.name} | ${t.target} | ${fmt(t.measured, t.unit === 'ratio' ? 2 : 1)} ${t.measured === null ? '' : t.unit} | ${t.met === null ? 'not measured' : t.met ? 'yes' : '**no**'} |`);
  L.push('', '## Throughput', '', '| path | cases/s | note |', '|---|---|---|');
  L.push(`| pipeline (produce → processor → sink → Postgres) | ${fmt(r.e2e_cases_per_s)} | ${fmt(r.pipeline?.throughput?.cases)} cases, first produce to last stored_at |`);
  L.push(`| ceiling: Kafka pass-through | ${fmt(r.ceiling?.kafka?.cases_per_s)} | produce → do-nothing consumer → other topic → arrival |`);
  L.push(`| ceiling: Postgres COPY | ${fmt(r.ceiling?.postgres?.rows_per_s)} | one COPY of rows as wide as pcc.predictions |`);
  L.push(`| ceiling (the lower of the two) | ${fmt(r.ceiling_cases_per_s)} | ratio to ceiling ${fmt(r.ratio_to_ceiling, 2)} |`);
  L.push(`| naive baseline (one at a time) | ${fmt(r.naive_cases_per_s)} | ${fmt(r.naive?.cases)} cases${r.naive?.note ? `; ${r.naive.note}` : ''}; the pipeline is ${fmt(r.gain_over_naive, 1)}× faster |`);
  L.push(`| producer alone (bench, 1000/batch) | ${fmt(r.pipeline?.throughput?.produce_only_cases_per_s)} | while the pipeline ran |`);
  const tpd = r.pipeline?.throughput;
  if (tpd?.warmup_rounds?.length) {
    L.push('', `Before the measured pass, ${fmt(tpd.warmup_cases)} warm-up cases went through the same pipeline in ${tpd.warmup_rounds.length} rounds (not counted): ${warmupRoundsText(tpd.warmup_rounds)}; measured pass: broker ${fmt(tpd.process_cpu_us_per_case?.kafka_broker, 1)} µs/case. A freshly started broker's JVM compiles for the first few hundred thousand cases.`);
  } else if (tpd) L.push('', 'No warm-up (`--warmup-cases 0`): the figures include the processes\' and the broker\'s start-up.');
  if (tpd?.db_bytes_per_case) L.push('', `On disk per stored case: ${fmt(tpd.db_bytes_per_case.predictions)} bytes in pcc.predictions and ${fmt(tpd.db_bytes_per_case.prediction_keys)} in pcc.prediction_keys (indexes and TOAST included).`);
  if (tpd?.stored_by_second?.length) L.push('', `Rows stored per second from the first produce: ${tpd.stored_by_second.map((v: number) => fmt(v)).join(' · ')}.`);
  if (tpd?.processor_batch_sizes) L.push('', `Processor batches by size: ${Object.entries(tpd.processor_batch_sizes).map(([k, v]) => `${k}: ${v}`).join(', ')}.`);
  L.push('', '## Latency', '');
  const lat = r.pipeline?.latency;
  if (lat) {
    L.push(`At ${fmt(lat.rate_per_s)} cases/s (half the measured maximum; achieved ${fmt(lat.achieved_rate_per_s)}) for ${fmt(lat.duration_s, 1)} s, ${fmt(lat.stored)} cases, received_at = produce time:`, '');
    L.push('| | p50 | p95 | p99 | max |', '|---|---|---|---|---|');
    L.push(`| received → stored (end to end) | ${fmt(lat.e2e_ms.p50, 1)} ms | ${fmt(lat.e2e_ms.p95, 1)} ms | ${fmt(lat.e2e_ms.p99, 1)} ms | ${fmt(lat.e2e_ms.max, 1)} ms |`);
    L.push(`| received → predicted (processor) | ${fmt(lat.received_to_predicted_ms.p50, 1)} ms | | ${fmt(lat.received_to_predicted_ms.p99, 1)} ms | |`);
    L.push(`| predicted → stored (sink) | ${fmt(lat.predicted_to_stored_ms.p50, 1)} ms | | ${fmt(lat.predicted_to_stored_ms.p99, 1)} ms | |`);
    if (lat.by_second?.length) {
      L.push('', 'End to end by second of produce time (ms): p99 / max per second:', '');
      L.push(lat.by_second.map((b: { s: number; p99: number; max: number }) => `${b.s}: ${fmt(b.p99, 0)}/${fmt(b.max, 0)}`).join(' · '));
    }
  } else L.push('not measured');
  L.push('', '## CPU per case (µs)', '');
  const s = r.stage_cpu_us ?? {};
  L.push('| stage | µs/case |', '|---|---|');
  for (const [k, v] of Object.entries(s)) L.push(`| ${k} | ${fmt(v, 1)} |`);
  const pc = r.pipeline?.throughput?.process_cpu_us_per_case ?? {};
  L.push('', '| process (utime+stime over the throughput phase) | µs/case |', '|---|---|');
  for (const [k, v] of Object.entries(pc)) L.push(`| ${k} | ${fmt(v, 1)} |`);
  L.push('', `Whole machine busy during the throughput phase: ${r.pipeline?.throughput?.machine_busy_share === null || r.pipeline?.throughput?.machine_busy_share === undefined ? '—' : Math.round(r.pipeline.throughput.machine_busy_share * 100) + '%'} of ${r.machine.cores} cores.`);
  L.push('', '## Memory (peak RSS, MB)', '', '| process | MB |', '|---|---|');
  for (const [k, v] of Object.entries(r.peak_rss_mb ?? {})) L.push(`| ${k} | ${fmt(v, 1)} |`);
  if (r.soak) {
    const verdict = (f: boolean | null | undefined) => (f === null || f === undefined ? 'too few samples to tell' : f ? 'flat: the last quarter within 10% of the second' : 'growing: the last quarter more than 10% above the second');
    L.push('', `Soak: processor RSS mean per quarter of the run: first ${fmt(r.soak.processor_rss_first_quarter_mb, 1)} MB (warm-up), second ${fmt(r.soak.processor_rss_second_quarter_mb ?? null, 1)} MB, last ${fmt(r.soak.processor_rss_last_quarter_mb, 1)} MB (${verdict(r.soak.flat)}); slope over the second half ${fmt(r.soak.processor_rss_slope_mb_per_min, 2)} MB/min (garbage-collector sawtooth). Sink: second quarter ${fmt(r.soak.sink_rss_second_quarter_mb ?? null, 1)} MB, last ${fmt(r.soak.sink_rss_last_quarter_mb ?? null, 1)} MB (${verdict(r.soak.sink_flat)}).`);
  }
  L.push('', '## Gateway', '');
  const g = r.gateway;
  if (!g || !g.available) L.push(`Not measured: ${g?.reason ?? 'not run'}.`);
  else {
    if (g.reason) L.push(`Note: ${g.reason}`, '');
    L.push('| POST /v1/classify | requests | ok | p50 | p95 | p99 | statuses |', '|---|---|---|---|---|---|---|');
    for (const c of g.classify ?? []) L.push(`| ${c.target_rps}/s | ${c.requests} | ${c.ok} | ${fmt(c.latency_ms.p50, 1)} ms | ${fmt(c.latency_ms.p95, 1)} ms | ${fmt(c.latency_ms.p99, 1)} ms | ${JSON.stringify(c.statuses)} |`);
    if (g.ingest) L.push('', `POST /v1/cases, batches of ${g.ingest.batch_size}: ${fmt(g.ingest.cases_per_s)} cases/s (${g.ingest.ok_batches}/${g.ingest.batches} batches accepted, ${JSON.stringify(g.ingest.statuses)}).`);
  }
  if (r.errors && Object.keys(r.errors).length) {
    L.push('', '## Errors', '');
    for (const [k, v] of Object.entries(r.errors)) L.push(`- **${k}**: ${String(v).split('\n')[0]}`);
  }
  if (r.notes?.length) {
    L.push('', '## Notes', '');
    for (const n of r.notes) L.push(`- ${n}`);
  }
  return L.join('\n') + '\n';
}

export function writeResults(dir: string, result: any): { json: string; latest: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = String(result.measured_at).replace(/[-:]/g, '').replace(/\..*$/, 'Z');
  const json = path.join(dir, `${stamp}.json`);
  const text = JSON.stringify(result, null, 2) + '\n';
  writeFileSync(json, text);
  const latest = path.join(dir, 'latest.json');
  writeFileSync(latest, text);
  const md = path.join(dir, 'latest.md');
  writeFileSync(md, markdown(result));
  return { json, latest, md };
}
