/**
 * A faster produce path for kafkajs 2.2.4, with byte-identical requests.
 *
 * kafkajs builds every record of a produce request in its own zero-filled 512-byte buffer, grows
 * it (a second zero-filled allocation and a copy) for any value over ~500 bytes, grows the batch
 * the same way, and computes the batch's CRC-32C one byte at a time. For a 1.2 KB prediction
 * that was ~17 µs of CPU per message, the largest cost of the processor after the model.
 *
 * install() replaces three internals before kafkajs first loads them (they are required lazily,
 * on the first produce request):
 *  - the record encoder (recordBatch/record/v0): a record without headers is written into one
 *    buffer of its exact size, from Node's buffer pool, by kafkajs's own Encoder methods; a
 *    record with headers goes to the original;
 *  - the CRC-32C (recordBatch/crc32C): slicing-by-8 over the same polynomial;
 *  - Encoder.prototype.ensureAvailable: grows with Buffer.allocUnsafe instead of Buffer.alloc.
 *    An Encoder only ever exposes buf[0, offset), every byte of which it has written, so the
 *    zero-fill was never observable.
 *
 * test/unit/lib/kafkajs-fastpath.test.ts checks the records and checksums against the originals.
 * Any other kafkajs version, or a kafkajs whose produce path was already loaded, is left as it is.
 */
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

/** Installs the fast path once per process; returns whether it is active and, if not, why. */
export function installKafkajsFastPath(): { active: boolean; reason?: string } {
  if (state === 'not-installed') {
    const version = (require('kafkajs/package.json') as { version: string }).version;
    const recordFile = kafkajsFile('protocol/recordBatch/record/v0/index.js');
    const crcFile = kafkajsFile('protocol/recordBatch/crc32C/index.js');
    if (version !== SUPPORTED_VERSION) {
      state = 'skipped';
      skipReason = `kafkajs ${version} is not ${SUPPORTED_VERSION}`;
    } else if (require.cache[recordFile] || require.cache[crcFile] || require.cache[kafkajsFile('protocol/recordBatch/v0/index.js')]) {
      state = 'skipped';
      skipReason = "kafkajs's produce path was loaded before the fast path";
    } else {
      const Encoder = require(kafkajsFile('protocol/encoder.js')) as EncoderClass;
      const originalRecord = require(recordFile) as RecordEncoder;
      delete require.cache[recordFile];
      preload(recordFile, createRecordEncoder(Encoder, originalRecord));
      preload(crcFile, crc32c);
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
  return state === 'installed' ? { active: true } : { active: false, reason: skipReason };
}
