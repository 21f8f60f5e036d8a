import { parseArgs } from 'node:util';
import { loadConfig } from '../../lib/config';
import { createPool } from '../../lib/db';
import { isErrorCode } from '../../lib/errors';
import { createKafka } from '../../lib/kafka';
import { createLogger } from '../../lib/logger';
import { listDeadLetters, replayDeadLetters } from '../../producers/replay/dead-letters';

export const summary = 'list dead letters, or replay them through the pipeline after a fix';
export const usage = `usage: pcc dlq list   [--reason CODE] [--since TIME] [--limit N] [--json]
       pcc dlq replay [--reason CODE] [--since TIME] [--limit N] [--all]

list    shows dead letters from Postgres (oldest first): where the record was, its reason code
        and reason, and whether it was replayed. No case text is printed.
replay  reads each dead letter's original record back from Kafka (topic, partition, offset) and
        publishes it again to the same topic, so it goes through the whole pipeline again.
        By default only dead letters never replayed; --all includes replayed ones. A case that
        is replayed more than once is still predicted once (one row per case and source).
TIME is ISO 8601 (2026-11-28T00:00:00Z) or a duration back from now (30m, 6h, 2d).`;

function parseSince(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const m = /^(\d+)([mhd])$/.exec(s);
  if (m) return new Date(Date.now() - Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd']);
  const t = Date.parse(s);
  if (!Number.isFinite(t)) throw new Error(`--since ${s} is neither an ISO 8601 time nor a duration like 6h`);
  return new Date(t);
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list' && sub !== 'replay') {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: { reason: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string', default: '1000' }, json: { type: 'boolean', default: false }, all: { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.reason && !isErrorCode(values.reason)) {
    process.stderr.write(`pcc dlq: --reason ${values.reason} is not a code from docs/errors.md\n`);
    return 2;
  }
  const config = loadConfig();
  const pool = createPool(config, 'pcc-dlq');
  try {
    const filter = { reasonCode: values.reason, since: parseSince(values.since), limit: Number(values.limit) || 1000 };
    if (sub === 'list') {
      const rows = await listDeadLetters(pool, filter);
      if (values.json) {
        for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
      } else {
        process.stdout.write(`${rows.length} dead letter(s)\n`);
        for (const r of rows) {
          process.stdout.write(
            `${r.failed_at.toISOString()}  ${r.source ?? '-'}  ${r.source_topic}/${r.source_partition}/${r.source_offset}  ${r.case_id ?? '(no case id)'}  ${r.reason_code}  ${r.reason}${r.replay_count ? `  (replayed ${r.replay_count}x)` : ''}\n`,
          );
        }
      }
      return 0;
    }
    const rows = await listDeadLetters(pool, { ...filter, pendingOnly: !values.all });
    const logger = createLogger({ level: config.log.level, json: config.log.json, component: 'dlq-replay' });
    const res = await replayDeadLetters(createKafka({ config, logger }), pool, rows);
    process.stdout.write(`${JSON.stringify({ selected: rows.length, replayed: res.replayed, missing_from_kafka: res.missing })}\n`);
    return res.missing.length > 0 ? 1 : 0;
  } finally {
    await pool.end();
  }
}
