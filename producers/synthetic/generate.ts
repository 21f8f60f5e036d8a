/**
 * Generates one synthetic batch into the store: plan the cases from the targets, have the
 * backend write them, reject exact and near duplicates (and ask for replacements), let the
 * classifier judge label fidelity (disagreements flagged, kept), measure the batch, store it.
 * A failure marks the batch failed; a batch is never left generating by an error here.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { PccError, toPccError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { Intent } from '../../lib/taxonomy';
import type { LabelJudge } from './fidelity';
import { achievedVsTarget, createDedupIndex, diversityMetrics } from './quality';
import { failBatch, finishBatch, insertBatch, insertCases, type CaseCounts, type StoredCase } from './store';
import { DEFAULT_TARGETS, planSpecs, plannedCounts, type SynthTargets } from './targets';
import { customerBody, type Backend, type Candidate, type CaseSpec, type SyntheticCaseValue } from './types';

export const MAX_BATCH_CASES = 100_000;

export interface GenerateDeps {
  pool: pg.Pool;
  backend: Backend;
  /** null: label fidelity not measured (and nothing flagged). */
  judge: LabelJudge | null;
  logger?: Logger;
  now?: () => number;
}

export type GeneratePhase = 'generating' | 'judging' | 'storing';

export interface GenerateOptions {
  count: number;
  seed: number;
  targets?: SynthTargets;
  /** Estimated Jaccard at or above which a case is a near duplicate (default 0.9). */
  dedupJaccard?: number;
  /** Rounds of replacements for duplicates (default 3). */
  maxReplacementRounds?: number;
  scheduleDay?: string | null;
  batchId?: string;
  /** Extra parameters recorded with the batch (who asked, from where). */
  parameters?: Record<string, unknown>;
  onCreated?: (batchId: string) => void;
  onProgress?: (phase: GeneratePhase, done: number, total: number) => void;
  signal?: AbortSignal;
}

export type GenerateResult =
  | { outcome: 'generated'; batchId: string; counts: CaseCounts; achieved: Record<string, unknown> }
  | { outcome: 'skipped'; reason: 'schedule_day_taken'; scheduleDay: string };

export function newBatchId(nowMs: number): string {
  const day = new Date(nowMs).toISOString().slice(0, 10).replace(/-/g, '');
  return `syn-batch-${day}-${randomBytes(4).toString('hex')}`;
}

/** Kept cases are syn-<batch>-<seq>; rejected drafts get the attempt too, so every draft has an id. */
export function caseIdFor(batchId: string, seq: number, rejectedAttempt?: number): string {
  const base = `syn-${batchId.slice('syn-batch-'.length)}-${String(seq).padStart(6, '0')}`;
  return rejectedAttempt === undefined ? base : `${base}-x${rejectedAttempt}`;
}

function specRecord(s: CaseSpec): Record<string, unknown> {
  return { intent: s.intent, persona: s.persona, channel: s.channel, tone: s.tone, length: s.length, language: s.language, difficulty: s.difficulty, shape: s.shape, attempt: s.attempt };
}

export async function generateBatch(deps: GenerateDeps, opts: GenerateOptions): Promise<GenerateResult> {
  const { pool, backend, judge } = deps;
  const now = deps.now ?? Date.now;
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > MAX_BATCH_CASES) {
    throw new PccError('PCC_VALIDATION_BAD_FIELD', `count must be an integer 1..${MAX_BATCH_CASES}, got ${opts.count}`);
  }
  const seed = opts.seed >>> 0;
  const targets = opts.targets ?? DEFAULT_TARGETS;
  const planned = plannedCounts(opts.count, targets);
  const dedupJaccard = opts.dedupJaccard ?? 0.9;
  const maxRounds = opts.maxReplacementRounds ?? 3;
  const batchId = opts.batchId ?? newBatchId(now());
  const log = deps.logger?.child({ component: 'synth-generate', batch_id: batchId });

  const inserted = await insertBatch(pool, {
    batchId,
    backend: backend.name,
    generatorVersion: backend.generatorVersion,
    model: backend.model,
    promptTemplates: backend.promptTemplates(),
    seed,
    parameters: { count: opts.count, dedup_jaccard: dedupJaccard, max_replacement_rounds: maxRounds, label_fidelity: judge !== null, ...backend.describe(), ...opts.parameters },
    targets: { weights: targets, planned },
    scheduleDay: opts.scheduleDay ?? null,
  });
  if (!inserted) return { outcome: 'skipped', reason: 'schedule_day_taken', scheduleDay: opts.scheduleDay! };
  opts.onCreated?.(batchId);
  log?.info('synthetic batch started', { backend: backend.name, count: opts.count, seed });

  try {
    const kept = new Map<number, Candidate>();
    const rejected: Candidate[] = [];
    const dedup = createDedupIndex({ threshold: dedupJaccard, seed });
    const duplicates = { exact: 0, near: 0 };
    let pending = planSpecs(opts.count, seed, targets);
    let round = 0;
    let done = 0;
    let total = opts.count;
    while (pending.length > 0 && round <= maxRounds) {
      const candidates = await backend.generate(pending, {
        seed,
        signal: opts.signal,
        onCase: () => opts.onProgress?.('generating', ++done, total),
      });
      const next: CaseSpec[] = [];
      for (const c of candidates) {
        if (c.status === 'rejected') {
          rejected.push(c);
          continue;
        }
        const verdict = dedup.offer(customerBody(c.draft!.turns), caseIdFor(batchId, c.spec.seq));
        if (verdict.duplicate) {
          duplicates[verdict.kind]++;
          rejected.push({ ...c, status: 'rejected', reasonCode: 'PCC_SYNTH_DUPLICATE', reason: `${verdict.kind} duplicate of ${verdict.of} (Jaccard ~${verdict.similarity.toFixed(2)})` });
          next.push({ ...c.spec, attempt: c.spec.attempt + 1 });
        } else kept.set(c.spec.seq, c);
      }
      pending = round < maxRounds ? next : [];
      total += pending.length;
      round++;
    }
    if (kept.size === 0 && rejected.some((c) => c.reasonCode === 'PCC_LLM_UNAVAILABLE')) {
      throw new PccError('PCC_LLM_UNAVAILABLE', 'the LLM server could not write a single case of the batch');
    }

    const keptList = [...kept.values()].sort((a, b) => a.spec.seq - b.spec.seq);
    const verdicts = new Map<number, { intent: Intent; confidence: number }>();
    let fidelity: Record<string, unknown> | null = null;
    if (judge && keptList.length > 0) {
      opts.onProgress?.('judging', 0, keptList.length);
      const results = await judge.judge(keptList.map((c) => ({ ...(c.draft!.subject ? { subject: c.draft!.subject } : {}), body: customerBody(c.draft!.turns) })));
      const perIntent: Record<string, { cases: number; agree: number }> = {};
      const confusions: Record<string, number> = {};
      let agree = 0;
      keptList.forEach((c, i) => {
        verdicts.set(c.spec.seq, results[i]);
        const p = (perIntent[c.spec.intent] ??= { cases: 0, agree: 0 });
        p.cases++;
        if (results[i].intent === c.spec.intent) {
          p.agree++;
          agree++;
        } else confusions[`${c.spec.intent}->${results[i].intent}`] = (confusions[`${c.spec.intent}->${results[i].intent}`] ?? 0) + 1;
      });
      fidelity = {
        classifier_version: judge.version,
        agreement: Number((agree / keptList.length).toFixed(4)),
        flagged: keptList.length - agree,
        per_intent: Object.fromEntries(Object.entries(perIntent).map(([k, v]) => [k, { ...v, agreement: Number((v.agree / v.cases).toFixed(4)) }])),
        confusions,
      };
      opts.onProgress?.('judging', keptList.length, keptList.length);
    }

    const t0 = now();
    const stored: StoredCase[] = [];
    const counts: CaseCounts = { total: 0, accepted: 0, repaired: 0, flagged: 0, rejected: 0 };
    for (const c of keptList) {
      const d = c.draft!;
      const caseId = caseIdFor(batchId, c.spec.seq);
      const v = verdicts.get(c.spec.seq);
      const flagged = v !== undefined && v.intent !== c.spec.intent;
      const published: SyntheticCaseValue = {
        case_id: caseId,
        received_at: t0 + c.spec.seq,
        channel: d.channel,
        language: d.language,
        subject: d.subject,
        body: customerBody(d.turns),
        customer_ref: null,
        jurisdiction: null,
        metadata: { persona: d.style.persona, tone: d.style.tone, length: d.style.length, shape: d.turns.length > 1 ? 'conversation' : 'message' },
        batch_id: batchId,
        generator: { name: backend.name, version: backend.generatorVersion, model: backend.model, prompt_id: c.promptId, prompt_hash: c.promptHash, seed },
        ground_truth_intent: c.spec.intent,
        tags: d.tags,
      };
      const status = flagged ? 'flagged' : c.status === 'repaired' ? 'repaired' : 'accepted';
      counts[status]++;
      stored.push({
        case_id: caseId,
        seq: c.spec.seq,
        intended_intent: c.spec.intent,
        conversation: { turns: d.turns, spec: specRecord(c.spec) },
        published_case: published,
        raw_output: c.rawOutput,
        tags: d.tags,
        status,
        review_reason: flagged
          ? `PCC_SYNTH_LABEL_DISAGREES: classifier ${judge!.version} predicts ${v!.intent} (confidence ${v!.confidence.toFixed(2)})${c.status === 'repaired' ? `; ${c.reason}` : ''}`
          : c.status === 'repaired'
            ? (c.reason ?? null)
            : null,
      });
    }
    const rejectedByReason: Record<string, number> = {};
    for (const c of rejected) {
      counts.rejected++;
      rejectedByReason[c.reasonCode ?? 'unknown'] = (rejectedByReason[c.reasonCode ?? 'unknown'] ?? 0) + 1;
      stored.push({
        case_id: caseIdFor(batchId, c.spec.seq, c.spec.attempt),
        seq: c.spec.seq,
        intended_intent: c.spec.intent,
        conversation: { turns: c.draft?.turns ?? [], spec: specRecord(c.spec) },
        published_case: null,
        raw_output: c.rawOutput,
        tags: c.draft?.tags ?? [],
        status: 'rejected',
        review_reason: `${c.reasonCode ?? 'rejected'}: ${c.reason ?? ''}`.slice(0, 2000),
      });
    }
    counts.total = stored.length;
    opts.onProgress?.('storing', 0, stored.length);
    await insertCases(pool, batchId, stored);
    const achieved = {
      counts,
      kept: keptList.length,
      shortfall: opts.count - keptList.length,
      replacement_rounds: round - 1,
      rejected_by_reason: rejectedByReason,
      dimensions: achievedVsTarget(keptList, planned),
      diversity: diversityMetrics(keptList, duplicates),
      label_fidelity: fidelity,
      backend: backend.describe(),
    };
    await finishBatch(pool, batchId, achieved, counts);
    opts.onProgress?.('storing', stored.length, stored.length);
    log?.info('synthetic batch generated', { ...counts });
    return { outcome: 'generated', batchId, counts, achieved };
  } catch (err) {
    const e = toPccError(err);
    log?.error('synthetic batch failed', { code: e.code, error: e.message });
    await failBatch(pool, batchId, `${e.code}: ${e.message}`).catch(() => undefined);
    throw e;
  }
}
