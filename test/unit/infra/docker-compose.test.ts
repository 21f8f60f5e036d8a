import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../../../lib/config';

const root = path.resolve(__dirname, '../../..');

describe('docker-compose.kafka.yml', () => {
  const compose = YAML.parse(readFileSync(path.join(root, 'docker-compose.kafka.yml'), 'utf8'));
  const upScript = readFileSync(path.join(root, 'infra/up.sh'), 'utf8');
  const defaults = loadConfig({});

  function hostPort(service: string): number {
    const ports: string[] = compose.services[service].ports;
    return Number(ports[0].split(':').at(-2));
  }

  it('offers kafka, registry and postgres, each with a healthcheck', () => {
    expect(Object.keys(compose.services).sort()).to.deep.equal(['kafka', 'postgres', 'registry']);
    for (const s of Object.values(compose.services) as { healthcheck?: { test: unknown } }[]) expect(s.healthcheck?.test).to.exist;
  });

  it('publishes the ports the local setup and the default config use', () => {
    expect(`127.0.0.1:${hostPort('kafka')}`).to.equal(defaults.kafka.brokers[0]);
    expect(defaults.registry.url).to.contain(`:${hostPort('registry')}/apis/ccompat/v7`);
    expect(defaults.db.url).to.contain(`:${hostPort('postgres')}/pcc`);
    expect(upScript).to.contain(`PCC_KAFKA_PORT:-${hostPort('kafka')}`);
    expect(upScript).to.contain(`PCC_REGISTRY_PORT:-${hostPort('registry')}`);
    expect(upScript).to.contain(`PCC_PG_PORT:-${hostPort('postgres')}`);
  });

  it('runs the same Kafka line and registry build as infra/', () => {
    const pom = readFileSync(path.join(root, 'infra/pom.xml'), 'utf8');
    const kafkaVersion = /<kafka.version>([^<]+)</.exec(pom)![1];
    const apicurioVersion = /<apicurio.version>([^<]+)</.exec(pom)![1];
    expect(compose.services.kafka.image).to.equal(`apache/kafka:${kafkaVersion}`);
    expect(compose.services.registry.image).to.equal(`apicurio/apicurio-registry:${apicurioVersion}`);
  });

  it('turns topic auto-creation off and makes BACKWARD the registry rule, like the local setup', () => {
    expect(compose.services.kafka.environment.KAFKA_AUTO_CREATE_TOPICS_ENABLE).to.equal('false');
    expect(upScript).to.contain('auto.create.topics.enable=false');
    expect(compose.services.registry.environment.APICURIO_RULES_GLOBAL_COMPATIBILITY).to.equal('BACKWARD');
    expect(upScript).to.contain('apicurio.rules.global.compatibility=BACKWARD');
  });
});
