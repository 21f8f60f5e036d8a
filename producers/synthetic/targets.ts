/**
 * Diversity targets of a batch (relative weights per intent and per style dimension) and the
 * plan that meets them: one CaseSpec per case, with exact counts per value by largest remainder,
 * shuffled with the batch's seed so that the dimensions are crossed rather than aligned.
 */
import { z } from 'zod';
import { PccError } from '../../lib/errors';
import { CHANNELS, INTENTS, type Intent } from '../../lib/taxonomy';
import { createRng, deriveSeed } from './rng';
import { DIFFICULTIES, LANGUAGES, LENGTHS, PERSONAS, SHAPES, TONES, type CaseSpec } from './types';

export const DIMENSIONS = {
  intents: INTENTS,
  personas: PERSONAS,
  channels: CHANNELS,
  tones: TONES,
  lengths: LENGTHS,
  languages: LANGUAGES,
  difficulties: DIFFICULTIES,
  shapes: SHAPES,
} as const;
export type Dimension = keyof typeof DIMENSIONS;

export type SynthTargets = { [D in Dimension]: Record<(typeof DIMENSIONS)[D][number], number> };

function uniform<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 1])) as Record<K, number>;
}

/**
 * Real support traffic is mostly not privacy, so not_privacy weighs 2.5 (as in the template
 * generator); English first; most cases plain, each difficulty a minority; a quarter conversations.
 */
export const DEFAULT_TARGETS: SynthTargets = {
  intents: { ...uniform(INTENTS), not_privacy: 2.5 },
  personas: uniform(PERSONAS),
  channels: uniform(CHANNELS),
  tones: uniform(TONES),
  lengths: { short: 2, medium: 2, long: 1 },
  languages: { en: 7, es: 1, fr: 1, de: 1 },
  difficulties: { ...uniform(DIFFICULTIES), none: 6 },
  shapes: { message: 3, conversation: 1 },
};

const weight = z.number().finite().min(0);
function weightsOf<K extends string>(keys: readonly K[]) {
  return z.partialRecord(z.enum(keys as unknown as [K, ...K[]]), weight).optional();
}
const targetsSchema = z
  .object({
    intents: weightsOf(INTENTS),
    personas: weightsOf(PERSONAS),
    channels: weightsOf(CHANNELS),
    tones: weightsOf(TONES),
    lengths: weightsOf(LENGTHS),
    languages: weightsOf(LANGUAGES),
    difficulties: weightsOf(DIFFICULTIES),
    shapes: weightsOf(SHAPES),
  })
  .strict();

export type TargetOverrides = z.input<typeof targetsSchema>;

/**
 * Targets from PCC_SYNTH_TARGETS (a JSON string, '' for the defaults) or an object. A dimension
 * given replaces the default weights of the values it names; at least one weight must be > 0.
 */
export function parseTargets(input: string | TargetOverrides | undefined, what = 'PCC_SYNTH_TARGETS'): SynthTargets {
  let raw: unknown = input ?? {};
  if (typeof raw === 'string') {
    if (raw.trim() === '') raw = {};
    else {
      try {
        raw = JSON.parse(raw);
      } catch (err) {
        throw new PccError('PCC_SYNTH_TARGETS_INVALID', `${what} is not JSON: ${(err as Error).message}`, { variable: what });
      }
    }
  }
  const parsed = targetsSchema.safeParse(raw);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new PccError('PCC_SYNTH_TARGETS_INVALID', `${what}: ${msg}`, { variable: what });
  }
  const out = structuredClone(DEFAULT_TARGETS) as Record<Dimension, Record<string, number>>;
  for (const [dim, weights] of Object.entries(parsed.data) as [Dimension, Record<string, number> | undefined][]) {
    if (!weights) continue;
    Object.assign(out[dim], weights);
    if (!Object.values(out[dim]).some((w) => w > 0)) {
      throw new PccError('PCC_SYNTH_TARGETS_INVALID', `${what}: ${dim} needs at least one weight above 0`, { variable: what });
    }
  }
  return out as SynthTargets;
}

/** Splits `count` over the keys in proportion to their weights (largest remainder; ties by key order). */
export function allocate<K extends string>(count: number, weights: Record<K, number>): Record<K, number> {
  const keys = Object.keys(weights) as K[];
  const total = keys.reduce((s, k) => s + Math.max(0, weights[k]), 0);
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  if (count <= 0 || total <= 0) return out;
  const exact = keys.map((k) => ({ k, q: (count * Math.max(0, weights[k])) / total }));
  let given = 0;
  for (const e of exact) {
    out[e.k] = Math.floor(e.q);
    given += out[e.k];
  }
  const order = exact.map((e, i) => ({ ...e, i, r: e.q - Math.floor(e.q) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let j = 0; given < count; j++, given++) out[order[j % order.length].k]++;
  return out;
}

export type PlannedCounts = { [D in Dimension]: Record<string, number> };

export function plannedCounts(count: number, targets: SynthTargets): PlannedCounts {
  const out = {} as PlannedCounts;
  for (const dim of Object.keys(DIMENSIONS) as Dimension[]) out[dim] = allocate(count, targets[dim] as Record<string, number>);
  return out;
}

/** One spec per case: each dimension's values in their planned counts, shuffled independently. */
export function planSpecs(count: number, seed: number, targets: SynthTargets): CaseSpec[] {
  const counts = plannedCounts(count, targets);
  const columns = {} as Record<Dimension, string[]>;
  for (const dim of Object.keys(DIMENSIONS) as Dimension[]) {
    const values: string[] = [];
    for (const [value, n] of Object.entries(counts[dim])) for (let i = 0; i < n; i++) values.push(value);
    columns[dim] = createRng(deriveSeed(seed, 'plan', dim)).shuffle(values);
  }
  return Array.from({ length: count }, (_, seq) => ({
    seq,
    intent: columns.intents[seq] as Intent,
    persona: columns.personas[seq] as CaseSpec['persona'],
    channel: columns.channels[seq] as CaseSpec['channel'],
    tone: columns.tones[seq] as CaseSpec['tone'],
    length: columns.lengths[seq] as CaseSpec['length'],
    language: columns.languages[seq] as CaseSpec['language'],
    difficulty: columns.difficulties[seq] as CaseSpec['difficulty'],
    shape: columns.shapes[seq] as CaseSpec['shape'],
    attempt: 0,
  }));
}
