import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRecordEncoder, crc32c, DefaultPartitioner, groupMessagesPerPartition, murmur2, onePassProduce, type ProduceArgs, type ProduceMessage, type RecordArgs, type RecordEncoder } from '../../../lib/kafkajs-fastpath';

const KAFKAJS = (rel: string) => require.resolve(`kafkajs/src/${rel}`);

/** A produce request with fixed timestamps, encoded by kafkajs; hex of its bytes. Runs in the calling process. */
const ENCODE_REQUEST = `
(async () => {
  const Request = require(${JSON.stringify(KAFKAJS('protocol/requests/produce/v3/request.js'))});
  const messages = [];
  let s = 7;
  const rnd = (k) => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return (s >>> 8) % k; };
  for (let i = 0; i < 300; i++) {
    const value = Buffer.alloc(rnd(3000)); for (let j = 0; j < value.length; j++) value[j] = rnd(256);
    messages.push({ key: i % 7 === 0 ? null : 'case-' + i + '-' + 'é'.repeat(rnd(3)), value: i % 11 === 0 ? null : value, timestamp: 1764000000000 + rnd(100000), headers: i % 13 === 0 ? { h: 'v' + i } : undefined });
  }
  const r = Request({ acks: -1, timeout: 30000, transactionalId: 'tx', producerId: 7, producerEpoch: 1, topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 3, messages: messages.slice(0, 150) }, { partition: 1, firstSequence: 0, messages: messages.slice(150) }] }] });
  process.stdout.write((await r.encode()).buffer.toString('hex'));
})();
`;

/**
 * Produce requests that the one-pass encoder takes (no headers, no timestamps, no compression),
 * framed as the connection frames them, with Date.now fixed; hex of their bytes, one per line.
 */
const ENCODE_ONE_PASS = `
(async () => {
  Date.now = () => 1764000012345;
  const produce = require(${JSON.stringify(KAFKAJS('protocol/requests/produce/index.js'))});
  const frame = require(${JSON.stringify(KAFKAJS('protocol/request.js'))});
  let s = 11;
  const rnd = (k) => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return (s >>> 8) % k; };
  const sizes = [0, 1, 63, 64, 127, 128, 600, 1300, 8191, 8192, 70000];
  const message = (i) => {
    const value = i % 17 === 0 ? null : i % 19 === 0 ? 'text ü ' + i : Buffer.alloc(sizes[i % sizes.length] + rnd(3));
    if (Buffer.isBuffer(value)) for (let j = 0; j < value.length; j++) value[j] = rnd(256);
    const key = i % 7 === 0 ? null : i % 5 === 0 ? undefined : i % 3 === 0 ? Buffer.from('k' + i) : 'case-' + i + '-' + 'é'.repeat(rnd(3));
    return { key, value, partition: i % 4, headers: i % 2 === 0 ? {} : undefined };
  };
  const messages = Array.from({ length: 400 }, (_, i) => message(i));
  const requests = [
    { acks: -1, timeout: 30000, transactionalId: 'tx-ü', producerId: 7, producerEpoch: 1, topicData: [{ topic: 'pcc.predictions.v1', partitions: [{ partition: 0, firstSequence: 3, messages: messages.slice(0, 150) }, { partition: 3, firstSequence: 0, messages: messages.slice(150, 151) }] }, { topic: 't2', partitions: [{ partition: 1, messages: messages.slice(151) }] }] },
    { acks: 1, timeout: 1000, topicData: [{ topic: 'single', partitions: [{ partition: 5, messages: messages.slice(10, 140) }] }] },
    { acks: -1, timeout: 30000, transactionalId: null, producerId: 12345678901, producerEpoch: 3, compression: 0, topicData: [{ topic: 'x', partitions: [{ partition: 0, firstSequence: 2147483000, messages: messages.slice(0, 1) }] }] },
  ];
  const out = [];
  for (const [i, args] of requests.entries()) {
    for (const version of [3, 5, 7]) {
      const { request } = produce.protocol({ version })(args);
      out.push((await frame({ correlationId: 1000 + i, clientId: i === 1 ? 'pcc-ü' : 'pcc-processor', request })).buffer.toString('hex'));
    }
  }
  process.stdout.write(out.join('\\n'));
})();
`;

describe('kafkajs produce fast path', () => {
  it('computes the CRC-32C kafkajs computes, for every length up to 2 KB and odd offsets', () => {
    const original = require(KAFKAJS('protocol/recordBatch/crc32C/crc32C.js')) as (b: Buffer) => number;
    const big = randomBytes(4096);
    for (let n = 0; n <= 2048; n++) {
      const b = big.subarray(n % 13, (n % 13) + n);
      expect(crc32c(b), `length ${n}`).to.equal(original(b) >>> 0);
    }
    expect(crc32c(Buffer.from('123456789'))).to.equal(0xe3069283);
  });

  it('encodes records byte for byte as kafkajs does, and hands records with headers to kafkajs', () => {
    const Encoder = require(KAFKAJS('protocol/encoder.js'));
    // A fresh copy of kafkajs's record encoder, whatever the cache holds.
    const file = KAFKAJS('protocol/recordBatch/record/v0/index.js');
    const cached = require.cache[file];
    delete require.cache[file];
    const original = require(file) as RecordEncoder;
    if (cached) require.cache[file] = cached;
    let calls = 0;
    const fast = createRecordEncoder(Encoder, (a) => {
      calls++;
      return original(a);
    });
    const values: RecordArgs['value'][] = [null, Buffer.alloc(0), randomBytes(1), randomBytes(127), randomBytes(128), randomBytes(600), randomBytes(1300), randomBytes(70000), 'text value ü'];
    const keys: RecordArgs['key'][] = [null, undefined, '', 'case-1', 'ß'.repeat(70), randomBytes(20)];
    for (const value of values) {
      for (const key of keys) {
        for (const [offsetDelta, timestampDelta] of [[0, 0], [1, 5], [63, 64], [999, 123456], [20000, 2 ** 40]]) {
          const args = { key, value, offsetDelta, timestampDelta };
          expect(fast(args).buffer.equals(original(args).buffer), JSON.stringify({ k: key?.length, v: value?.length, offsetDelta, timestampDelta })).to.equal(true);
        }
      }
    }
    expect(calls).to.equal(0);
    const withHeaders = { key: 'k', value: randomBytes(10), headers: { a: 'b' } };
    expect(fast(withHeaders).buffer.equals(original(withHeaders).buffer)).to.equal(true);
    expect(calls).to.equal(1);
  });

  it('makes produce requests byte-identical to those of an unpatched kafkajs', () => {
    const unpatched = execFileSync(process.execPath, ['-e', ENCODE_REQUEST], { encoding: 'utf8' });
    const patched = execFileSync(process.execPath, ['-e', `require(${JSON.stringify(require.resolve('tsx/cjs'))}); const f = require(${JSON.stringify(require.resolve('../../../lib/kafkajs-fastpath'))}); if (!f.installKafkajsFastPath().active) throw new Error('not active');\n${ENCODE_REQUEST}`], { encoding: 'utf8' });
    expect(unpatched.length).to.be.greaterThan(100_000);
    expect(patched === unpatched, 'request bytes differ').to.equal(true);
  });

  it('stays off when kafkajs loaded its produce path first, and says why', () => {
    const out = execFileSync(process.execPath, ['-e', `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(KAFKAJS('protocol/recordBatch/v0/index.js'))}); const f = require(${JSON.stringify(require.resolve('../../../lib/kafkajs-fastpath'))}); process.stdout.write(JSON.stringify(f.installKafkajsFastPath()));`], { encoding: 'utf8' });
    expect(JSON.parse(out)).to.deep.equal({ active: false, reason: "kafkajs's produce path was loaded before the fast path" });
  });

  it('is active in a process that creates its Kafka client through lib/kafka', () => {
    const script = `require(${JSON.stringify(require.resolve('tsx/cjs'))});
      const { createKafka } = require(${JSON.stringify(require.resolve('../../../lib/kafka'))});
      const quiet = { child: () => quiet, log() {}, debug() {}, info() {}, warn() {}, error() {} };
      createKafka({ config: { kafka: { clientId: 't', brokers: ['127.0.0.1:1'] } }, logger: quiet });
      const f = require(${JSON.stringify(require.resolve('../../../lib/kafkajs-fastpath'))});
      const record = require(${JSON.stringify(KAFKAJS('protocol/recordBatch/record/v0/index.js'))});
      const src = (rel) => require(${JSON.stringify(KAFKAJS('index.js').replace(/index\.js$/, ''))} + rel).toString();
      process.stdout.write(JSON.stringify({ state: f.installKafkajsFastPath(), fastRecord: record.toString().includes('sizeOfBody') && !record.toString().includes('headersArray'),
        frame: src('protocol/request.js').includes('fastFrame'), group: src('producer/groupMessagesPerPartition.js').includes('originalGroup'),
        produce: src('protocol/requests/produce/v3/request.js').includes('onePassProduce') }));`;
    expect(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))).to.deep.equal({ state: { active: true }, fastRecord: true, frame: true, group: true, produce: true });
  });

  it('writes one-pass produce requests and their frames byte for byte as an unpatched kafkajs does', () => {
    const unpatched = execFileSync(process.execPath, ['-e', ENCODE_ONE_PASS], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const patched = execFileSync(process.execPath, ['-e', `require(${JSON.stringify(require.resolve('tsx/cjs'))}); const f = require(${JSON.stringify(require.resolve('../../../lib/kafkajs-fastpath'))}); const st = f.installKafkajsFastPath(); if (!st.active || st.reason) throw new Error('not fully active: ' + st.reason);\n${ENCODE_ONE_PASS}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const a = unpatched.split('\n');
    const b = patched.split('\n');
    expect(a).to.have.length(9);
    expect(a[0].length).to.be.greaterThan(200_000);
    expect(b).to.have.length(9);
    for (let i = 0; i < a.length; i++) expect(b[i] === a[i], `request ${i} differs`).to.equal(true);
  });

  it('takes the one-pass path only for uncompressed requests without headers or timestamps', () => {
    const args = (m: ProduceMessage, compression?: number): ProduceArgs => ({ acks: -1, timeout: 1, compression, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'a', value: Buffer.alloc(1) }, m] }] }] });
    expect(onePassProduce(args({ key: null, value: 'v', headers: {} }))).to.equal(true);
    expect(onePassProduce(args({ key: 'k', value: null }, 0))).to.equal(true);
    expect(onePassProduce(args({ key: 'k', value: null }, 1))).to.equal(false);
    expect(onePassProduce(args({ key: 'k', value: null, headers: { h: 'x' } }))).to.equal(false);
    expect(onePassProduce(args({ key: 'k', value: null, timestamp: '1764000000000' }))).to.equal(false);
    expect(onePassProduce(args({ key: 5 as unknown as string, value: null }))).to.equal(false);
  });

  it("hashes keys as kafkajs's murmur2 does (Buffers, ASCII, UTF-8, keys longer than the scratch buffer)", () => {
    const original = require(KAFKAJS('producer/partitioners/default/murmur2.js')) as (k: Buffer | string) => number;
    for (let n = 0; n <= 300; n++) {
      const b = randomBytes(n);
      expect(murmur2(b), `buffer of ${n}`).to.equal(original(b));
    }
    const strings = ['', 'a', 'ab', 'abc', 'abcd', 'case-0001', 'ñandú-ü-€-😀', '😀'.repeat(300), 'x'.repeat(1019), 'x'.repeat(1020), 'x'.repeat(1021), 'é'.repeat(512), 'é'.repeat(511) + 'x'];
    for (let i = 0; i < 500; i++) strings.push(randomBytes(1 + (i % 60)).toString('base64'));
    for (const k of strings) expect(murmur2(k), `${k.slice(0, 20)} (${k.length})`).to.equal(original(k));
  });

  it("partitions as kafkajs's DefaultPartitioner does", () => {
    const { Partitioners } = require('kafkajs') as typeof import('kafkajs');
    for (const count of [1, 3, 6, 12, 100]) {
      const partitionMetadata = Array.from({ length: count }, (_, i) => ({ partitionId: i, leader: i % 5 === 4 ? -1 : 1 }));
      const ours = DefaultPartitioner();
      const theirs = Partitioners.DefaultPartitioner();
      for (let i = 0; i < 300; i++) {
        const message = { key: i % 2 ? `case-${i}-${randomBytes(8).toString('hex')}` : randomBytes(16), value: null, partition: i % 29 === 0 ? 2 : undefined };
        expect(ours({ topic: 't', partitionMetadata, message })).to.equal(theirs({ topic: 't', partitionMetadata: partitionMetadata as never, message: message as never }));
      }
      // Without a key: round robin over the partitions that have a leader.
      const seen = new Set<number>();
      for (let i = 0; i < 3 * count; i++) seen.add(ours({ topic: 'keyless', partitionMetadata, message: { value: null } }));
      expect([...seen].sort((x, y) => x - y)).to.deep.equal(partitionMetadata.filter((p) => p.leader >= 0).map((p) => p.partitionId));
    }
  });

  it("groups a send's messages by partition as kafkajs does, in order", () => {
    const file = KAFKAJS('producer/groupMessagesPerPartition.js');
    const cached = require.cache[file];
    delete require.cache[file];
    const original = require(file) as typeof groupMessagesPerPartition;
    if (cached) require.cache[file] = cached;
    const partitionMetadata = Array.from({ length: 6 }, (_, i) => ({ partitionId: i, leader: 1 }));
    const messages = Array.from({ length: 500 }, (_, i) => ({ key: `case-${i}`, value: Buffer.from([i & 0xff]) }));
    const partitioner = ({ message }: { message: ProduceMessage }) => murmur2(message.key as string) % 7 === 6 ? -1 : (murmur2(message.key as string) & 0x7fffffff) % 6;
    const ours = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner });
    const theirs = original({ topic: 't', partitionMetadata, messages, partitioner });
    expect(Object.keys(ours)).to.deep.equal(Object.keys(theirs));
    for (const p of Object.keys(theirs)) expect(ours[p]).to.deep.equal(theirs[p]);
    expect(Object.values(ours).reduce((n, a) => n + a.length, 0)).to.equal(500);
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner })).to.deep.equal({});
  });
});
