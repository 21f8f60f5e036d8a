import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRecordEncoder, crc32c, type RecordArgs, type RecordEncoder } from '../../../lib/kafkajs-fastpath';

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
      process.stdout.write(JSON.stringify({ state: f.installKafkajsFastPath(), fastRecord: record.toString().includes('sizeOfBody') && !record.toString().includes('headersArray') }));`;
    expect(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))).to.deep.equal({ state: { active: true }, fastRecord: true });
  });
});
