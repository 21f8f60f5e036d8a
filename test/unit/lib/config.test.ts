import { expect } from 'chai';
import { loadConfig, CONFIG_DOCS } from '../../../lib/config';
import { PccError } from '../../../lib/errors';

function failure(env: NodeJS.ProcessEnv): PccError {
  try {
    loadConfig(env);
  } catch (err) {
    return err as PccError;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('config', () => {
  it('gives working local defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c.kafka.brokers).to.deep.equal(['127.0.0.1:9092']);
    expect(c.registry.url).to.equal('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(c.topics.casesReal).to.equal('pcc.cases.real.v1');
    expect(c.topics.partitions).to.equal(6);
    expect(c.gateway.port).to.equal(3000);
  });

  it('parses a broker list into host:port entries', () => {
    expect(loadConfig({ PCC_KAFKA_BROKERS: 'a:1, b.example:9092' }).kafka.brokers).to.deep.equal(['a:1', 'b.example:9092']);
  });

  it('rejects a malformed broker list with a message naming the variable', () => {
    const err = failure({ PCC_KAFKA_BROKERS: 'localhost' });
    expect(err.code).to.equal('PCC_CONFIG_INVALID');
    expect(err.message).to.contain('PCC_KAFKA_BROKERS');
    expect(err.message).to.contain('not host:port');
  });

  it('rejects a port out of range with a message naming the variable', () => {
    const err = failure({ PCC_GATEWAY_PORT: '70000' });
    expect(err.message).to.contain('PCC_GATEWAY_PORT');
  });

  it('rejects a port that is not a number', () => {
    expect(failure({ PCC_GATEWAY_PORT: 'http' }).message).to.contain('PCC_GATEWAY_PORT');
  });

  it('names every bad variable in one message', () => {
    const err = failure({ PCC_GATEWAY_PORT: '0', PCC_TOPIC_PARTITIONS: '-1', PCC_DATABASE_URL: 'mysql://x' });
    for (const v of ['PCC_GATEWAY_PORT', 'PCC_TOPIC_PARTITIONS', 'PCC_DATABASE_URL']) expect(err.message).to.contain(v);
  });

  it('refuses a misspelt PCC_ variable', () => {
    expect(failure({ PCC_KAFKA_BROKER: '127.0.0.1:9092' }).message).to.contain('PCC_KAFKA_BROKER: unknown variable');
  });

  it('returns a frozen object', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).to.equal(true);
    expect(Object.isFrozen(c.kafka)).to.equal(true);
    expect(() => {
      (c.kafka as { clientId: string }).clientId = 'x';
    }).to.throw(TypeError);
  });

  it('documents every variable with a default and a sentence', () => {
    for (const [name, spec] of Object.entries(CONFIG_DOCS)) {
      expect(spec.doc, name).to.match(/\.$/);
      expect(spec.default, name).to.be.a('string');
    }
  });
});
