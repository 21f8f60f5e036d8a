/**
 * Synthetic prediction streams for the drift monitor's tests: hour by hour of event time, with
 * sampling noise (seeded, so a run is reproducible) and the shifts of issue #5 injected into
 * chosen hours. Records have the Prediction schema's fields, so they go through the codec and the
 * real topic exactly as the processor's output would.
 */
import { INTENTS, type Source } from '../../../../lib/taxonomy';
import { seededRandom } from '../../../../sinks/drift/stats';
import type { DeadLetterValue, PredictionValue } from '../../../../processors/pipeline';

export const HOUR_MS = 3_600_000;
/** An hour boundary well in the past, so no timestamp repair or partition question arises. */
export const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
export const DIM = 16;

export type Shift = 'none' | 'intent_swing' | 'confidence_collapse' | 'style' | 'poison' | 'volume_drop';

export interface HourPlan {
  hour: number;
  shift: Shift;
}

// The records the processor produces, as the drift monitor reads them.
export type PredictionRecord = PredictionValue;
export type DeadLetterRecord = DeadLetterValue;

/** Real traffic is mostly not privacy; the synthetic mix follows its own targets. */
const MIX: Record<Source, number[]> = {
  real: [0.08, 0.1, 0.04, 0.03, 0.1, 0.05, 0.04, 0.06, 0.5],
  synthetic: [0.12, 0.12, 0.1, 0.1, 0.12, 0.1, 0.1, 0.12, 0.12],
};
const PER_HOUR: Record<Source, number> = { real: 120, synthetic: 60 };

function gaussian(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

function pick(rnd: () => number, p: readonly number[]): number {
  let u = rnd();
  for (let i = 0; i < p.length; i++) {
    u -= p[i];
    if (u < 0) return i;
  }
  return p.length - 1;
}

/** A centroid per intent on a shared base direction, as a trained encoder's embeddings look. */
function centroid(intent: number): number[] {
  const c = new Array(DIM).fill(0);
  c[DIM - 1] = 2;
  c[intent] += 1;
  return c;
}

export interface GeneratedHour {
  predictions: PredictionRecord[];
  deadLetters: DeadLetterRecord[];
}

/**
 * One hour of one source. `shift` changes the hour as issue #5 describes; everything else about
 * the hour stays as in a stable one (same intents under 'style', same volume under the others).
 */
export function generateHour(source: Source, hour: number, shift: Shift, opts: { seed: number; prefix: string; dlqTopic: string; perHour?: number }): GeneratedHour {
  const rnd = seededRandom(opts.seed * 1_000_003 + hour * 7 + (source === 'real' ? 1 : 2));
  const perHour = opts.perHour ?? PER_HOUR[source];
  // Poisson-like noise on the volume: ±sqrt(n).
  let n = Math.max(1, Math.round(perHour + gaussian(rnd) * Math.sqrt(perHour)));
  if (shift === 'volume_drop') n = Math.round(perHour / 10);
  const start = T0 + hour * HOUR_MS;
  const predictions: PredictionRecord[] = [];
  for (let i = 0; i < n; i++) {
    const truth = shift === 'intent_swing' ? INTENTS.indexOf('deletion_request') : pick(rnd, MIX[source]);
    const collapsed = shift === 'confidence_collapse';
    const confidence = collapsed ? 0.15 + 0.3 * rnd() : Math.min(0.995, 0.75 + 0.245 * Math.sqrt(rnd()));
    // A calibrated model: right with probability equal to its confidence.
    const wrong = rnd() >= confidence;
    const intent = wrong ? (truth + 1 + Math.floor(rnd() * (INTENTS.length - 1))) % INTENTS.length : truth;
    const probabilities = INTENTS.map((_, k) => (k === intent ? confidence : (1 - confidence) / (INTENTS.length - 1)));
    const c = centroid(intent);
    const embedding = c.map((x, d) => x + 0.3 * gaussian(rnd) + (shift === 'style' && d >= 9 && d < 13 ? 1 : 0));
    const receivedAt = start + Math.floor((i + rnd()) * (HOUR_MS / n));
    predictions.push({
      case_id: `${opts.prefix}-${source}-${hour}-${i}`,
      source,
      intent: INTENTS[intent],
      is_privacy: INTENTS[intent] !== 'not_privacy',
      confidence,
      probabilities,
      embedding,
      model_version: 'test-1',
      redacted_excerpt: '',
      pii_found: [],
      warnings: [],
      channel: 'email',
      language: 'en',
      jurisdiction: null,
      received_at: Math.min(receivedAt, start + HOUR_MS - 1),
      predicted_at: start + HOUR_MS,
      processing_ms: 1,
      ground_truth_intent: source === 'synthetic' ? INTENTS[truth] : null,
      batch_id: source === 'synthetic' ? `${opts.prefix}-batch` : null,
      sla_due_at: null,
      source_partition: 0,
      source_offset: i,
    });
  }
  const deadLetters: DeadLetterRecord[] = [];
  if (shift === 'poison') {
    // A broken producer: a quarter of the hour's records cannot be decoded.
    const bad = Math.round(n / 3);
    for (let i = 0; i < bad; i++) {
      deadLetters.push({
        case_id: null,
        source,
        source_topic: `cases.${source}`,
        source_partition: 0,
        source_offset: i,
        reason_code: 'PCC_DECODE_MAGIC_BYTE',
        reason: 'not Confluent-framed',
        failed_at: start + Math.floor((i + 0.5) * (HOUR_MS / bad)),
        payload: Buffer.from([1, 2, 3]),
        payload_redacted: false,
      });
    }
  }
  return { predictions, deadLetters };
}

/** Plans hours [from, to) of one shift (default none). */
export function hours(from: number, to: number, shift: Shift = 'none'): HourPlan[] {
  return Array.from({ length: to - from }, (_, i) => ({ hour: from + i, shift }));
}
