/**
 * The benchmark's cases: Avro Case values of about 600 bytes of body, built from the template
 * generator's text (so the classifier's word cache sees a realistic vocabulary, and the
 * redactor meets the e-mail addresses and phone numbers the templates contain).
 *
 * Bodies come from a pool of distinct texts stitched together and cut to ~600 bytes; each case
 * gets its own id and reference number, so no two values are identical.
 */
import type { Message } from 'kafkajs';
import type { Codec } from '../lib/codec';
import { CHANNELS } from '../lib/taxonomy';
import type { CaseValue } from '../producers/real/jsonl';
import { generateTemplateCases } from '../producers/synthetic/template';

export const BODY_BYTES = 600;
const POOL_SIZE = 4_000;

export interface CaseFactory {
  /** A case value; `receivedAt` defaults to the factory's creation time. */
  value(id: string, i: number, receivedAt?: number): CaseValue;
  bodyBytesAvg: number;
}

export function createCaseFactory(seed = 20261128): CaseFactory {
  const pool = generateTemplateCases({ count: POOL_SIZE, seed }).map((c) => c.body.replace(/\s+/g, ' ').trim());
  const bodies: string[] = [];
  // Stitch pool texts until the body passes BODY_BYTES, then cut back at a word boundary.
  for (let i = 0; i < POOL_SIZE; i++) {
    let s = '';
    for (let k = 0; Buffer.byteLength(s) < BODY_BYTES + 40; k++) s += (s ? ' ' : '') + pool[(i * 7 + k * 131) % POOL_SIZE];
    let cut = s.slice(0, BODY_BYTES - 16);
    const sp = cut.lastIndexOf(' ');
    if (sp > BODY_BYTES / 2) cut = cut.slice(0, sp);
    bodies.push(cut);
  }
  const created = Date.now();
  const sample = Array.from({ length: 1000 }, (_, i) => Buffer.byteLength(`${bodies[i % POOL_SIZE]} (ref ${100000 + i})`));
  return {
    bodyBytesAvg: Math.round(sample.reduce((a, b) => a + b, 0) / sample.length),
    value(id, i, receivedAt = created) {
      return {
        case_id: id,
        received_at: receivedAt,
        channel: CHANNELS[i % CHANNELS.length],
        language: 'en',
        subject: null,
        body: `${bodies[i % POOL_SIZE]} (ref ${100000 + i})`,
        customer_ref: null,
        jurisdiction: i % 4 === 0 ? 'CCPA' : null,
        metadata: { queue: `q${i % 7}` },
      };
    },
  };
}

/** Encodes `count` cases `${prefix}-${i}` as Kafka messages, in chunks of 1000 (the registry is asked once). */
export async function encodeCases(codec: Codec, topic: string, factory: CaseFactory, prefix: string, count: number, onProgress?: (done: number) => void): Promise<Message[]> {
  const out: Message[] = new Array(count);
  for (let s = 0; s < count; s += 1000) {
    const e = Math.min(count, s + 1000);
    const chunk = await Promise.all(
      Array.from({ length: e - s }, async (_, j) => {
        const i = s + j;
        const id = `${prefix}-${i}`;
        return { key: id, value: await codec.encode(topic, factory.value(id, i)) };
      }),
    );
    for (let j = 0; j < chunk.length; j++) out[s + j] = chunk[j];
    onProgress?.(e);
  }
  return out;
}

/**
 * Mean Avro value size (Confluent header included) of the first 1000 messages. A value carries
 * the schema id, not the topic, so the same messages can be sent to any topic whose consumer
 * decodes by id.
 */
export function avgValueBytes(messages: Message[]): number {
  const n = Math.min(messages.length, 1000);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (messages[i].value as Buffer).length;
  return n ? Math.round(sum / n) : 0;
}
