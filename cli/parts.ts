/** Factories for the stream parts, so that `run`, `processor` and `sink` share one definition. */
import { createCodec, createRegistry } from '../lib/codec';
import { loadClassifier } from '../ml/classifier';
import { createProcessor } from '../processors';
import { createPostgresSink } from '../sinks/postgres';
import type { Part, Runtime } from './runtime';
import type { DriftMonitorDeps, DriftMonitor } from '../sinks/drift';

export async function processorPart(rt: Runtime): Promise<Part> {
  const classifier = await loadClassifier(rt.config.model.dir || undefined);
  const processor = createProcessor({
    config: rt.config,
    logger: rt.logger,
    kafka: rt.kafka,
    codec: rt.codec,
    classifier,
    metrics: rt.metrics,
    instanceId: rt.config.processor.instanceId,
  });
  return {
    name: 'processor',
    start: () => processor.start(),
    stop: async () => {
      await processor.stop();
      classifier.dispose();
    },
    health: () => processor.health(),
  };
}

export function sinkPart(rt: Runtime): Part {
  // Its own codec: embeddings and probabilities decode as Float32Array and go straight into the
  // binary COPY buffer; the other parts of the process keep avsc's number[].
  const codec = createCodec(createRegistry(rt.config, { float32Arrays: true }));
  const sink = createPostgresSink({ config: rt.config, logger: rt.logger, kafka: rt.kafka, codec, pool: rt.pool(), metrics: rt.metrics });
  return { name: 'sink-postgres', start: () => sink.start(), stop: () => sink.stop(), health: () => sink.health() };
}

export function driftPart(rt: Runtime): Part {
  // Loaded on demand so that `pcc run --no-drift`, `pcc processor` and `pcc sink` never load the drift monitor.
  const { createDriftMonitor } = require('../sinks/drift') as { createDriftMonitor(deps: DriftMonitorDeps): DriftMonitor };
  const monitor = createDriftMonitor({ config: rt.config, logger: rt.logger, kafka: rt.kafka, codec: rt.codec, pool: rt.pool(), metrics: rt.metrics });
  return { name: 'drift', start: () => monitor.start(), stop: () => monitor.stop(), health: () => monitor.health() };
}
