/**
 * A faster produce path for kafkajs 2.2.4, with byte-identical requests.
 *
 * kafkajs builds every record of a produce request in its own zero-filled 512-byte buffer, copies
 * it into a batch, the batch into a partition entry, that into a topic entry, that into the
 * request and the request twice more into its frame (about fifteen copies of every byte, counting
 * the doublings as each buffer grows), computes the batch's CRC-32C one byte at a time, and groups
 * a send's messages by partition by copying each partition's array once per message (quadratic in
 * the batch size, and ~3 KB of garbage per message at 5,000 messages). Together that was the
 * largest cost of the processor after the model.
 *
 * installKafkajsFastPath() replaces, before kafkajs first loads them:
 *  - the produce request encoder (requests/produce/v3, which v4 to v7 reuse): a request whose
 *    messages have no headers and no timestamps and which is not compressed is written in one pass
 *    into one buffer of its exact size, by kafkajs's own Encoder methods; any other request goes
 *    to the original;
 *  - the record encoder (recordBatch/record/v0), for the requests that still use it: a record
 *    without headers is written into one buffer of its exact size;
 *  - the CRC-32C (recordBatch/crc32C): slicing-by-8 over the same polynomial;
 *  - Encoder.prototype.ensureAvailable: grows with Buffer.allocUnsafe instead of Buffer.alloc.
 *    An Encoder only ever exposes buf[0, offset), every byte of which it has written, so the
 *    zero-fill was never observable.
 * Two modules kafkajs loads with its index are wrapped as soon as this module is imported, which
 * lib/kafka.ts does before it imports kafkajs; the wrappers call the originals until the fast path
 * is installed:
 *  - the request frame (protocol/request.js): size, header and payload in one exact-size buffer,
 *    one copy of the payload instead of two plus the growth copies;
 *  - producer/groupMessagesPerPartition: the same grouping, pushing onto each partition's array.
 *
 * test/unit/lib/kafkajs-fastpath.test.ts checks requests, records, frames, groupings and checksums
 * against the originals. Any other kafkajs version, or a kafkajs whose produce path was already
 * loaded, is left as it is.
 */
import { randomBytes } from 'node:crypto';
import Module from 'node:module';

const SUPPORTED_VERSION = '2.2.4';

interface EncoderLike {
  buf: Buffer;
  offset: number;
  buffer: Buffer;
  writeVarInt(v: number): EncoderLike;
  writeInt8(v: number): EncoderLike;
  writeVarLong(v: unknown): EncoderLike;
  writeVarIntBytes(v: unknown): EncoderLike;
  writeVarIntArray(v: unknown[]): EncoderLike;
  writeInt16(v: number): EncoderLike;
  writeInt32(v: number): EncoderLike;
  writeInt64(v: unknown): EncoderLike;
  writeString(v: string | null): EncoderLike;
  writeBufferInternal(v: Buffer): void;
  size(): number;
}
interface EncoderClass {
  new (initialSize?: number): EncoderLike;
  prototype: EncoderLike & { ensureAvailable(length: number): void };
  sizeOfVarInt(v: number): number;
  sizeOfVarLong(v: unknown): number;
  sizeOfVarIntBytes(v: unknown): number;
  nextPowerOfTwo(v: number): number;
}
export interface RecordArgs {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, unknown>;
}
export type RecordEncoder = (args: RecordArgs) => EncoderLike;

/** A message as kafkajs hands it to a produce request. */
export interface ProduceMessage {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, unknown>;
  timestamp?: unknown;
  partition?: number;
}
/** The arguments of kafkajs's produce request v3 (and of v4 to v7, which reuse it). */
export interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: { topic: string; partitions: { partition: number; firstSequence?: number; messages: ProduceMessage[] }[] }[];
}
export interface KafkaRequest {
  apiKey: number;
  apiVersion: number;
  apiName?: string;
  expectResponse?: () => boolean;
  encode: () => Promise<EncoderLike> | EncoderLike;
}
export type ProduceRequestFactory = (args: ProduceArgs) => KafkaRequest;
export type RequestFrame = (args: { correlationId: number; clientId: string | null; request: KafkaRequest }) => Promise<EncoderLike>;
export type GroupMessages = (args: { topic: string; partitionMetadata: unknown[]; messages: ProduceMessage[]; partitioner: (a: { topic: string; partitionMetadata: unknown[]; message: ProduceMessage }) => number }) => Record<string, ProduceMessage[]>;
interface LongLike {
  fromInt(v: number): unknown;
}

const kafkajsFile = (rel: string): string => require.resolve(`kafkajs/src/${rel}`);

// CRC-32C (Castagnoli, reflected 0x82f63b78), eight tables for eight bytes per step.
const CRC_TABLES: Int32Array[] = (() => {
  const t = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[0][n] = c;
  }
  for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) t[k][n] = (t[k - 1][n] >>> 8) ^ t[0][t[k - 1][n] & 0xff];
  return t;
})();

/** CRC-32C of the bytes, as the unsigned 32-bit number kafkajs's recordBatch/crc32C returns. */
export function crc32c(buf: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES;
  const n = buf.length;
  const end8 = n - (n & 7);
  let crc = -1;
  let i = 0;
  for (; i < end8; i += 8) {
    const a = crc ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    crc = t7[a & 0xff] ^ t6[(a >>> 8) & 0xff] ^ t5[(a >>> 16) & 0xff] ^ t4[a >>> 24] ^ t3[buf[i + 4]] ^ t2[buf[i + 5]] ^ t1[buf[i + 6]] ^ t0[buf[i + 7]];
  }
  for (; i < n; i++) crc = t0[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** The record encoder of kafkajs's recordBatch/record/v0, writing a record without headers into one exact-size buffer. */
export function createRecordEncoder(Encoder: EncoderClass, original: RecordEncoder): RecordEncoder {
  return (args) => {
    const { offsetDelta = 0, timestampDelta = 0, key, value, headers } = args;
    if (headers && Object.keys(headers).length > 0) return original(args);
    // Attributes byte, then the varints and byte strings, then an empty header array (varint 0).
    const sizeOfBody = 1 + Encoder.sizeOfVarLong(timestampDelta) + Encoder.sizeOfVarInt(offsetDelta) + Encoder.sizeOfVarIntBytes(key) + Encoder.sizeOfVarIntBytes(value) + Encoder.sizeOfVarInt(0);
    const e = Object.create(Encoder.prototype) as EncoderLike;
    e.buf = Buffer.allocUnsafe(Encoder.sizeOfVarInt(sizeOfBody) + sizeOfBody);
    e.offset = 0;
    return e.writeVarInt(sizeOfBody).writeInt8(0).writeVarLong(timestampDelta).writeVarInt(offsetDelta).writeVarIntBytes(key).writeVarIntBytes(value).writeVarIntArray([]);
  };
}

/** An Encoder of kafkajs over a buffer of exactly `size` bytes, from Node's pool when small. */
function exactEncoder(Encoder: EncoderClass, size: number): EncoderLike {
  const e = Object.create(Encoder.prototype) as EncoderLike;
  e.buf = Buffer.allocUnsafe(size);
  e.offset = 0;
  return e;
}

const plainBytes = (v: unknown): boolean => v == null || typeof v === 'string' || Buffer.isBuffer(v);
const hasHeaders = (m: ProduceMessage): boolean => m.headers != null && Object.keys(m.headers).length > 0;

/** Whether encodeProduceV3 writes this request as kafkajs would: uncompressed, and no message has headers or a timestamp. */
export function onePassProduce(args: ProduceArgs): boolean {
  if ((args.compression ?? 0) !== 0) return false;
  for (const { partitions } of args.topicData) {
    for (const { messages } of partitions) {
      for (const m of messages) if (m.timestamp != null || hasHeaders(m) || !plainBytes(m.key) || !plainBytes(m.value)) return false;
    }
  }
  return true;
}

// Bytes of a record batch before its records (RecordBatch v2): base offset, length, leader epoch,
// magic, CRC, then the CRC-covered attributes, last offset delta, two timestamps, producer id,
// producer epoch, base sequence and the record count.
const BATCH_HEAD = 8 + 4 + 4 + 1 + 4;
const BATCH_BODY_HEAD = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
const TRANSACTIONAL_ATTRIBUTE = 16;

/**
 * kafkajs's produce request v3 body (transactional id, acks, timeout, topics, partitions and one
 * uncompressed record batch per partition) written in one pass into one exact-size buffer. Every
 * record's timestamp delta is 0 and both batch timestamps are now, as kafkajs writes them for
 * messages without a timestamp; onePassProduce says which requests qualify.
 */
export function encodeProduceV3(Encoder: EncoderClass, Long: LongLike, args: ProduceArgs): EncoderLike {
  const { acks, timeout, topicData } = args;
  const transactionalId = args.transactionalId === undefined ? null : args.transactionalId;
  const producerId = args.producerId === undefined ? Long.fromInt(-1) : args.producerId;
  const producerEpoch = args.producerEpoch === undefined ? 0 : args.producerEpoch;
  const attributes = transactionalId ? TRANSACTIONAL_ATTRIBUTE : 0;
  const dateNow = Date.now();

  // First pass: every record's body size (kept for the second pass) and the request's size.
  let count = 0;
  for (const t of topicData) for (const p of t.partitions) count += p.messages.length;
  const bodySizes = new Int32Array(count);
  const batchSizes: number[] = [];
  let size = (transactionalId == null ? 2 : 2 + Buffer.byteLength(transactionalId)) + 2 + 4 + 4;
  let k = 0;
  for (const t of topicData) {
    size += 2 + Buffer.byteLength(t.topic) + 4;
    for (const p of t.partitions) {
      let batch = BATCH_HEAD + BATCH_BODY_HEAD;
      const messages = p.messages;
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i];
        // attributes, timestamp delta 0, offset delta, key, value, header count 0
        const body = 1 + 1 + Encoder.sizeOfVarInt(i) + Encoder.sizeOfVarIntBytes(m.key) + Encoder.sizeOfVarIntBytes(m.value) + 1;
        bodySizes[k++] = body;
        batch += Encoder.sizeOfVarInt(body) + body;
      }
      batchSizes.push(batch);
      size += 4 + 4 + batch;
    }
  }

  // Second pass: the bytes.
  const e = exactEncoder(Encoder, size);
  e.writeString(transactionalId).writeInt16(acks).writeInt32(timeout).writeInt32(topicData.length);
  k = 0;
  let b = 0;
  for (const t of topicData) {
    e.writeString(t.topic).writeInt32(t.partitions.length);
    for (const p of t.partitions) {
      const messages = p.messages;
      const batch = batchSizes[b++];
      // partition, record set size, base offset 0, batch length (what follows it), leader epoch 0, magic 2
      e.writeInt32(p.partition).writeInt32(batch).writeInt64(0).writeInt32(batch - 12).writeInt32(0).writeInt8(2);
      const crcAt = e.offset;
      e.offset += 4;
      const bodyStart = e.offset;
      e.writeInt16(attributes)
        .writeInt32(messages.length - 1)
        .writeInt64(dateNow)
        .writeInt64(dateNow)
        .writeInt64(producerId)
        .writeInt16(producerEpoch)
        .writeInt32(p.firstSequence === undefined ? 0 : p.firstSequence)
        .writeInt32(messages.length);
      const buf = e.buf;
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i];
        e.writeVarInt(bodySizes[k++]);
        buf[e.offset] = 0; // attributes
        buf[e.offset + 1] = 0; // timestamp delta, zigzag varint
        e.offset += 2;
        e.writeVarInt(i).writeVarIntBytes(m.key).writeVarIntBytes(m.value);
        buf[e.offset++] = 0; // header count
      }
      buf.writeUInt32BE(crc32c(buf.subarray(bodyStart, e.offset)), crcAt);
    }
  }
  if (e.offset !== size) throw new Error(`kafkajs fast path: produce request sized ${size} bytes, wrote ${e.offset}`);
  return e;
}

/** kafkajs's produce request v3, whose encode() is encodeProduceV3 when the request qualifies and the original's otherwise. */
export function createProduceRequest(Encoder: EncoderClass, Long: LongLike, original: ProduceRequestFactory): ProduceRequestFactory {
  return (args) => {
    const request = original(args);
    return onePassProduce(args) ? { ...request, encode: async () => encodeProduceV3(Encoder, Long, args) } : request;
  };
}

/** kafkajs's request frame (size, api key, api version, correlation id, client id, payload) in one exact-size buffer. */
export function createRequestFrame(Encoder: EncoderClass): RequestFrame {
  return async ({ correlationId, clientId, request: { apiKey, apiVersion, encode } }) => {
    const payload = await encode();
    if (payload == null || !Buffer.isBuffer(payload.buf)) throw new Error('value should be an instance of Encoder');
    const header = 2 + 2 + 4 + (clientId == null ? 2 : 2 + Buffer.byteLength(clientId));
    const e = exactEncoder(Encoder, 4 + header + payload.offset);
    e.writeInt32(header + payload.offset).writeInt16(apiKey).writeInt16(apiVersion).writeInt32(correlationId).writeString(clientId);
    payload.buf.copy(e.buf, e.offset, 0, payload.offset);
    e.offset += payload.offset;
    return e;
  };
}

/** kafkajs's grouping of a send's messages by partition (partition -> messages in send order), in linear time. */
export const groupMessagesPerPartition: GroupMessages = ({ topic, partitionMetadata, messages, partitioner }) => {
  const result: Record<string, ProduceMessage[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const current = result[partition];
    if (current === undefined) result[partition] = [message];
    else current.push(message);
  }
  return result;
};

const MURMUR_M = 0x5bd1e995;
const murmurScratch = Buffer.allocUnsafe(1024);

/**
 * Kafka's murmur2 of a key (the Java client's Utils.murmur2, which kafkajs's default partitioner
 * computes with 64-bit Long arithmetic) in 32-bit arithmetic: the same signed result, ~20 times
 * cheaper. A string key is hashed as its UTF-8 bytes.
 */
export function murmur2(key: Buffer | string): number {
  let data: Buffer;
  let length: number;
  if (Buffer.isBuffer(key)) {
    data = key;
    length = key.length;
  } else {
    const text = String(key);
    length = murmurScratch.write(text, 0);
    data = murmurScratch;
    // write() stops before a character that does not fit; with 4 bytes to spare, everything fitted.
    if (length > murmurScratch.length - 4) {
      data = Buffer.from(text);
      length = data.length;
    }
  }
  let h = 0x9747b28c ^ length;
  const end4 = length & ~3;
  for (let i = 0; i < end4; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, MURMUR_M);
    k ^= k >>> 24;
    k = Math.imul(k, MURMUR_M);
    h = Math.imul(h, MURMUR_M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[end4 + 2] << 16;
    if (rest >= 2) h ^= data[end4 + 1] << 8;
    h ^= data[end4];
    h = Math.imul(h, MURMUR_M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR_M);
  h ^= h >>> 15;
  return h | 0;
}

interface PartitionerArgs {
  topic: string;
  partitionMetadata: { partitionId: number; leader: number }[];
  message: ProduceMessage;
}

/**
 * kafkajs's DefaultPartitioner (Java-compatible: murmur2 of the key, positive, modulo the partition
 * count; an explicit partition wins; without a key, round robin over partitions with a leader from
 * a random start) with the 32-bit murmur2, and the leader filter done only for messages without a
 * key. Same partition for every message.
 */
export const DefaultPartitioner = (): ((args: PartitionerArgs) => number) => {
  const counters: Record<string, number> = {};
  return ({ topic, partitionMetadata, message }) => {
    if (!(topic in counters)) counters[topic] = randomBytes(32).readUInt32BE(0);
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return (murmur2(message.key) & 0x7fffffff) % partitionMetadata.length;
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[(++counters[topic] & 0x7fffffff) % available.length].partitionId;
    return (++counters[topic] & 0x7fffffff) % partitionMetadata.length;
  };
};

/** kafkajs's version, as installed. */
const kafkajsVersion = (): string => (require('kafkajs/package.json') as { version: string }).version;

/**
 * Loads kafkajs's module `file`, then puts `make(its exports)` in require's cache in its place:
 * whoever requires `file` from then on gets the replacement.
 */
function replaceModule<T>(file: string, make: (original: T) => unknown): void {
  const original = require(file) as T;
  delete require.cache[file];
  preload(file, make(original));
}

/** A module in require's cache whose exports are `exports`, as if `file` had been loaded. */
function preload(file: string, exports: unknown): void {
  const m = new Module(file, module);
  m.filename = file;
  m.loaded = true;
  m.exports = exports;
  require.cache[file] = m;
}

let state: 'not-installed' | 'installed' | 'skipped' = 'not-installed';
let skipReason = '';

/**
 * Wraps the request frame and the partition grouping, which kafkajs loads with its index, so that
 * installKafkajsFastPath can switch them later. Runs when this module is imported; until the fast
 * path is installed the wrappers call kafkajs's own functions.
 */
function wrapEagerModules(): { wrapped: boolean; reason?: string } {
  const version = kafkajsVersion();
  if (version !== SUPPORTED_VERSION) return { wrapped: false, reason: `kafkajs ${version} is not ${SUPPORTED_VERSION}` };
  const frameFile = kafkajsFile('protocol/request.js');
  const groupFile = kafkajsFile('producer/groupMessagesPerPartition.js');
  if (require.cache[frameFile] || require.cache[groupFile]) return { wrapped: false, reason: 'kafkajs was loaded before lib/kafkajs-fastpath, so its request frame and partition grouping are the originals' };
  const fastFrame = createRequestFrame(require(kafkajsFile('protocol/encoder.js')) as EncoderClass);
  replaceModule(frameFile, (originalFrame: RequestFrame): RequestFrame => (args) => (state === 'installed' ? fastFrame(args) : originalFrame(args)));
  replaceModule(groupFile, (originalGroup: GroupMessages): GroupMessages => (args) => (state === 'installed' ? groupMessagesPerPartition(args) : originalGroup(args)));
  return { wrapped: true };
}
const eager = wrapEagerModules();

/**
 * Installs the fast path once per process; returns whether it is active and, if not (or only in
 * part), why.
 */
export function installKafkajsFastPath(): { active: boolean; reason?: string } {
  if (state === 'not-installed') {
    const version = kafkajsVersion();
    const recordFile = kafkajsFile('protocol/recordBatch/record/v0/index.js');
    const crcFile = kafkajsFile('protocol/recordBatch/crc32C/index.js');
    const produceFile = kafkajsFile('protocol/requests/produce/v3/request.js');
    if (version !== SUPPORTED_VERSION) {
      state = 'skipped';
      skipReason = `kafkajs ${version} is not ${SUPPORTED_VERSION}`;
    } else if (require.cache[recordFile] || require.cache[crcFile] || require.cache[kafkajsFile('protocol/recordBatch/v0/index.js')] || require.cache[produceFile]) {
      state = 'skipped';
      skipReason = "kafkajs's produce path was loaded before the fast path";
    } else {
      const Encoder = require(kafkajsFile('protocol/encoder.js')) as EncoderClass;
      const Long = require(kafkajsFile('utils/long.js')) as LongLike;
      replaceModule(recordFile, (original: RecordEncoder) => createRecordEncoder(Encoder, original));
      preload(crcFile, crc32c);
      // The original v3 request loads the record batch and record encoders above, then is replaced.
      replaceModule(produceFile, (original: ProduceRequestFactory) => createProduceRequest(Encoder, Long, original));
      Encoder.prototype.ensureAvailable = function ensureAvailable(this: EncoderLike, length: number): void {
        if (this.offset + length > this.buf.length) {
          const grown = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(this.offset + length));
          this.buf.copy(grown, 0, 0, this.offset);
          this.buf = grown;
        }
      };
      state = 'installed';
    }
  }
  if (state !== 'installed') return { active: false, reason: skipReason };
  return eager.wrapped ? { active: true } : { active: true, reason: eager.reason };
}
