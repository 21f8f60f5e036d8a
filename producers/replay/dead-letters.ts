/**
 * Dead-letter inspection and replay. Postgres holds each dead letter with its reason and a
 * redacted payload; the original record stays in Kafka, where it was consumed from. A replay
 * therefore reads the original bytes back from (topic, partition, offset) and publishes them
 * again to the same topic: personal data never has to be kept unredacted in Postgres, and the
 * replayed case goes through the whole pipeline like any other. The Postgres sink's ledger keeps
 * one prediction per (case_id, source), so replaying a case twice still leaves one row.
 */
import type { Kafka } from 'kafkajs';
import type { Queryable } from '../../lib/db';
import { createProducer } from '../../lib/kafka';

export interface DeadLetterRow {
  source_topic: string;
  source_partition: number;
  source_offset: number;
  case_id: string | null;
  source: string | null;
  reason_code: string;
  reason: string;
  failed_at: Date;
  replayed_at: Date | null;
  replay_count: number;
}

export interface DeadLetterFilter {
  reasonCode?: string;
  since?: Date;
  limit?: number;
  /** Only dead letters that were never replayed. */
  pendingOnly?: boolean;
}

export async function listDeadLetters(db: Queryable, f: DeadLetterFilter = {}): Promise<DeadLetterRow[]> {
  const { rows } = await db.query<DeadLetterRow>(
    `SELECT source_topic, source_partition, source_offset, case_id, source, reason_code, reason, failed_at, replayed_at, replay_count
       FROM pcc.dead_letters
      WHERE ($1::text IS NULL OR reason_code = $1)
        AND ($2::timestamptz IS NULL OR failed_at >= $2)
        AND (NOT $3 OR replayed_at IS NULL)
      ORDER BY failed_at, source_topic, source_partition, source_offset
      LIMIT $4`,
    [f.reasonCode ?? null, f.since?.toISOString() ?? null, f.pendingOnly ?? false, f.limit ?? 1000],
  );
  return rows;
}

export async function markReplayed(db: Queryable, rows: Pick<DeadLetterRow, 'source_topic' | 'source_partition' | 'source_offset'>[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `UPDATE pcc.dead_letters d SET replayed_at = clock_timestamp(), replay_count = replay_count + 1
       FROM unnest($1::text[], $2::int[], $3::bigint[]) AS k(t, p, o)
      WHERE d.source_topic = k.t AND d.source_partition = k.p AND d.source_offset = k.o`,
    [rows.map((r) => r.source_topic), rows.map((r) => r.source_partition), rows.map((r) => r.source_offset)],
  );
}

export interface OriginalRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | undefined>;
}

/**
 * Reads the records at the given offsets of one topic, by assigning partitions directly (no
 * group membership, nothing committed). Offsets that Kafka no longer holds are reported missing.
 */
export async function readRecordsAt(kafka: Kafka, topic: string, wanted: Map<number, Set<number>>, timeoutMs = 30_000): Promise<{ found: OriginalRecord[]; missing: { partition: number; offset: number }[] }> {
  const admin = kafka.admin();
  await admin.connect();
  const bounds = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const found: OriginalRecord[] = [];
  const missing: { partition: number; offset: number }[] = [];
  const todo = new Map<number, Set<number>>();
  for (const [p, offs] of wanted) {
    const b = bounds.find((x) => x.partition === p);
    const low = b ? Number(b.low) : 0;
    const high = b ? Number(b.high) : 0;
    const keep = new Set<number>();
    for (const o of offs) {
      if (o >= low && o < high) keep.add(o);
      else missing.push({ partition: p, offset: o });
    }
    if (keep.size) todo.set(p, keep);
  }
  if (todo.size === 0) return { found, missing };

  const consumer = kafka.consumer({ groupId: `pcc-dlq-replay-${process.pid}-${Date.now()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const remaining = new Map([...todo].map(([p, s]) => [p, new Set(s)]));
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out reading dead-lettered records from ${topic}`)), timeoutMs);
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const want = remaining.get(partition);
          const o = Number(message.offset);
          if (want?.delete(o)) {
            found.push({ topic, partition, offset: o, key: message.key, value: message.value, headers: (message.headers ?? {}) as OriginalRecord['headers'] });
            if (want.size === 0) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          }
        },
      })
      .catch(reject);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [p, offs] of remaining) consumer.seek({ topic, partition: p, offset: String(Math.min(...offs)) });
    });
  });
  try {
    await done;
  } finally {
    await consumer.disconnect();
  }
  return { found, missing };
}

export interface ReplayResult {
  replayed: number;
  missing: { topic: string; partition: number; offset: number }[];
}

/** Publishes the original records of these dead letters again to their topics. */
export async function replayDeadLetters(kafka: Kafka, db: Queryable, rows: DeadLetterRow[]): Promise<ReplayResult> {
  const byTopic = new Map<string, Map<number, Set<number>>>();
  for (const r of rows) {
    const t = byTopic.get(r.source_topic) ?? new Map<number, Set<number>>();
    const s = t.get(r.source_partition) ?? new Set<number>();
    s.add(Number(r.source_offset));
    t.set(r.source_partition, s);
    byTopic.set(r.source_topic, t);
  }
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const result: ReplayResult = { replayed: 0, missing: [] };
  try {
    for (const [topic, wanted] of byTopic) {
      const { found, missing } = await readRecordsAt(kafka, topic, wanted);
      result.missing.push(...missing.map((m) => ({ topic, ...m })));
      if (found.length === 0) continue;
      await producer.send({
        topic,
        acks: -1,
        messages: found.map((f) => ({
          key: f.key,
          value: f.value,
          headers: { ...f.headers, 'pcc-replay-of': `${topic}/${f.partition}/${f.offset}` },
        })),
      });
      await markReplayed(db, found.map((f) => ({ source_topic: topic, source_partition: f.partition, source_offset: f.offset })));
      result.replayed += found.length;
    }
  } finally {
    await producer.disconnect();
  }
  return result;
}
