/**
 * What the gateway (and the CLI) call to run the synthetic pipeline: start a batch, list batches,
 * read one. Clients are passed in; nothing connects at import time.
 */
import { randomInt } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Codec } from '../../lib/codec';
import type { PccConfig } from '../../lib/config';
import { PccError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { createClassifierJudge, type LabelJudge } from './fidelity';
import { generateBatch, MAX_BATCH_CASES, type GeneratePhase } from './generate';
import { createOpenAiBackend } from './openai-backend';
import { publishBatch } from './publisher';
import { findBatch, listBatchRows, listPublications, type BatchView, type Publication } from './store';
import { parseTargets, type TargetOverrides } from './targets';
import { createTemplateBackend, type TemplateGenerator } from './template-backend';
import type { Backend, BackendName } from './types';

export type { BatchView, Publication };

export interface SyntheticServiceDeps {
  config: Readonly<PccConfig>;
  pool: pg.Pool;
  logger: Logger;
  /** Needed only when a batch is published. */
  kafka?: Kafka;
  codec?: Codec;
  /** Label fidelity judge; undefined: the released model when PCC_SYNTH_LABEL_FIDELITY is on; null: none. */
  judge?: LabelJudge | null;
  /** A stand-in for the built-in template generator (tests). */
  templateGenerator?: TemplateGenerator;
}

export interface StartBatchOptions {
  count: number;
  backend?: BackendName;
  seed?: number;
  publish?: boolean;
  /** Overrides of PCC_SYNTH_TARGETS for this batch. */
  targets?: TargetOverrides;
  onProgress?: (phase: GeneratePhase | 'publishing', done: number, total: number) => void;
}

export interface StartedBatch {
  batchId: string;
  /** Settles when the batch is generated (and published, if asked): its final view, or the error. */
  done: Promise<BatchView>;
}

export function createBackend(config: Readonly<PccConfig>, name: BackendName, logger?: Logger, templateGenerator?: TemplateGenerator): Backend {
  if (name === 'template') return createTemplateBackend(templateGenerator);
  const l = config.synthetic.llm;
  return createOpenAiBackend({ baseUrl: l.baseUrl, model: l.model, apiKey: l.apiKey, concurrency: l.concurrency, timeoutMs: l.timeoutMs, maxAttempts: l.maxAttempts, logger });
}

const judges = new Map<string, Promise<LabelJudge>>();

/** The judge of `deps`: given, none, or the released model (loaded once per process). */
export async function resolveJudge(deps: Pick<SyntheticServiceDeps, 'config' | 'judge'>): Promise<LabelJudge | null> {
  if (deps.judge !== undefined) return deps.judge;
  if (!deps.config.synthetic.labelFidelity) return null;
  const dir = deps.config.model.dir;
  let j = judges.get(dir);
  if (!j) {
    j = createClassifierJudge(dir);
    j.catch(() => judges.delete(dir));
    judges.set(dir, j);
  }
  return j;
}

/**
 * Starts a batch: resolves as soon as the batch exists (status generating) with its id; `done`
 * follows it to the end. The gateway answers 202 with the id and lets clients poll getBatch.
 */
export async function startBatch(deps: SyntheticServiceDeps, opts: StartBatchOptions): Promise<StartedBatch> {
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > MAX_BATCH_CASES) {
    throw new PccError('PCC_VALIDATION_BAD_FIELD', `count must be an integer 1..${MAX_BATCH_CASES}`, { count: opts.count });
  }
  const backendName = opts.backend ?? 'template';
  if (backendName !== 'template' && backendName !== 'openai') throw new PccError('PCC_VALIDATION_BAD_FIELD', `backend must be template or openai, got ${String(backendName)}`);
  if (opts.seed !== undefined && (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff)) {
    throw new PccError('PCC_VALIDATION_BAD_FIELD', 'seed must be an integer 0..4294967295', { seed: opts.seed });
  }
  if (opts.publish && (!deps.kafka || !deps.codec)) throw new PccError('PCC_INTERNAL', 'startBatch with publish needs kafka and codec');
  const base = parseTargets(deps.config.synthetic.targetsJson);
  const targets = opts.targets ? parseTargets({ ...base, ...opts.targets } as TargetOverrides, 'targets') : base;
  const seed = opts.seed ?? randomInt(0, 2 ** 31);
  const backend = createBackend(deps.config, backendName, deps.logger, deps.templateGenerator);
  const judge = await resolveJudge(deps);

  let created: (id: string) => void = () => undefined;
  let failedEarly: (e: unknown) => void = () => undefined;
  const createdP = new Promise<string>((resolve, reject) => {
    created = resolve;
    failedEarly = reject;
  });
  const done = (async () => {
    const r = await generateBatch(
      { pool: deps.pool, backend, judge, logger: deps.logger },
      { count: opts.count, seed, targets, dedupJaccard: deps.config.synthetic.dedupJaccard, onCreated: created, onProgress: opts.onProgress, parameters: { trigger: 'request' } },
    );
    if (r.outcome !== 'generated') throw new PccError('PCC_INTERNAL', 'an unscheduled batch was skipped');
    if (opts.publish) {
      await publishBatch({ pool: deps.pool, kafka: deps.kafka!, codec: deps.codec!, topic: deps.config.topics.casesSynthetic, logger: deps.logger }, r.batchId, {
        onProgress: (sent, total) => opts.onProgress?.('publishing', sent, total),
      });
    }
    return getBatch(deps.pool, r.batchId);
  })();
  done.catch(failedEarly);
  const batchId = await createdP;
  // The caller may only want the id; an unobserved failure is already recorded on the batch.
  done.catch(() => undefined);
  return { batchId, done };
}

export async function listBatches(pool: pg.Pool, opts: { limit?: number } = {}): Promise<BatchView[]> {
  const limit = Math.max(1, Math.min(1000, Math.floor(opts.limit ?? 50)));
  return listBatchRows(pool, limit);
}

export async function getBatch(pool: pg.Pool, batchId: string): Promise<BatchView & { publications: Publication[] }> {
  const b = await findBatch(pool, batchId);
  if (!b) throw new PccError('PCC_BATCH_NOT_FOUND', `no synthetic batch ${batchId}`, { batch_id: batchId });
  return { ...b, publications: await listPublications(pool, batchId) };
}
