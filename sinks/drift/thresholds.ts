/**
 * The closed list of drift metrics, their default thresholds (and where each default comes
 * from), which ones raise alerts and of which kind. docs/monitoring.md is the reader's version
 * of this table; a unit test keeps the two in step.
 */
import { ConfigError } from '../../lib/errors';

export type AlertKind = 'drift' | 'anomaly' | 'low_confidence' | 'error_rate' | 'lag' | 'synthetic_accuracy';

export interface MetricDef {
  /** Higher values are worse ('above'), lower values are worse ('below'), or either way ('abs'). */
  direction: 'above' | 'below' | 'abs';
  warning: number | null;
  critical: number | null;
  /** Alert kind when the metric raises alerts; null for metrics that are recorded only. */
  alert: AlertKind | null;
  /** Written for synthetic only. */
  syntheticOnly?: boolean;
  /** The metric's significance test (p-value metric) that must also pass for a non-ok status. */
  gate?: string;
  /** Operational metrics do not keep a window out of the reference. */
  operational?: boolean;
  source: string;
}

export const METRICS = {
  intent_js_distance: { direction: 'above', warning: 0.1, critical: 0.2, alert: 'drift', gate: 'intent_chi2_p', source: 'Evidently and NannyML: Jensen-Shannon distance threshold 0.1 (warning); critical at twice that.' },
  intent_chi2_p: { direction: 'below', warning: 0.01, critical: 0.001, alert: null, source: 'Evidently and NannyML test at p 0.05 for one comparison; an hourly monitor makes 24 a day, so 0.01 (a warning needs 2 windows in a row: about 1 false warning per metric and source in 400 days) and 0.001 for critical (fires after one window; about 0.05 over a day, Bonferroni).' },
  confidence_psi: { direction: 'above', warning: 0.1, critical: 0.25, alert: 'drift', gate: 'confidence_ks_p', source: 'Evidently PSI threshold 0.1; 0.25 is the industry rule of thumb for a significant shift.' },
  confidence_ks_d: { direction: 'above', warning: null, critical: null, alert: null, source: 'Recorded for the dashboard; judged through its p-value.' },
  confidence_ks_p: { direction: 'below', warning: 0.01, critical: 0.001, alert: null, source: 'Evidently: Kolmogorov-Smirnov p-value 0.05 for one comparison; 0.01 and 0.001 for 24 comparisons a day, as for intent_chi2_p.' },
  embedding_cosine_distance: { direction: 'above', warning: 0.1, critical: 0.2, alert: 'drift', gate: 'embedding_mmd_p', source: 'Evidently embedding drift, distance method: threshold 0.2 (critical); warning at half.' },
  embedding_mmd: { direction: 'above', warning: null, critical: null, alert: null, source: 'Recorded (MMD², RBF kernel); judged through its permutation p-value.' },
  embedding_mmd_p: { direction: 'below', warning: 0.05, critical: 0.01, alert: null, source: 'Evidently MMD with bootstrap: 95th percentile of the null, i.e. p 0.05; critical 0.01, the finest level 200 permutations resolve with margin (smallest p 1/201).' },
  low_confidence_share: { direction: 'above', warning: 0.2, critical: 0.35, alert: 'low_confidence', source: 'Stated reason: the released model puts well under 10% of its evaluation cases below 0.5; 2-3.5x that means the stream no longer looks like what the model knows.' },
  estimated_accuracy: { direction: 'below', warning: null, critical: null, alert: null, source: 'NannyML CBPE idea: mean calibrated top-1 probability; recorded, judged through confidence_psi and low_confidence_share.' },
  volume_zscore: { direction: 'abs', warning: 3, critical: 5, alert: 'anomaly', source: 'NannyML StandardDeviationThreshold: 3 standard deviations (warning); 5 critical.' },
  dead_letter_rate: { direction: 'above', warning: 0.02, critical: 0.05, alert: 'error_rate', source: 'Stated reason: the validator dead-letters well under 1% of real traffic; 2% is unusual, 5% means a producer is broken.' },
  warning_rate: { direction: 'above', warning: null, critical: null, alert: null, source: 'Recorded: share of predictions repaired with a validation warning.' },
  late_events: { direction: 'above', warning: null, critical: null, alert: null, operational: true, source: 'Recorded: events for this source that arrived after their window had closed, since the previous window.' },
  consumer_lag: { direction: 'above', warning: 50_000, critical: 500_000, alert: 'lag', operational: true, source: 'Stated reason: records behind on the prediction topic when the window closed; 50k is minutes of peak traffic, 500k an outage.' },
  synthetic_accuracy: { direction: 'below', warning: 0.8, critical: 0.7, alert: 'synthetic_accuracy', syntheticOnly: true, source: 'Stated reason: the model release gate (ml/eval) expects accuracy well above 0.8 on held-out data.' },
  synthetic_macro_f1: { direction: 'below', warning: 0.75, critical: 0.6, alert: null, syntheticOnly: true, source: 'Stated reason: recorded with the accuracy floor less 0.05; per-class collapse shows here first.' },
  synthetic_ece: { direction: 'above', warning: 0.1, critical: 0.2, alert: null, syntheticOnly: true, source: 'Stated reason: a 15-bin ECE (Guo et al. 2017) of a calibrated model on ~100 cases is ~0.05 by sampling alone.' },
  synthetic_estimation_gap: { direction: 'above', warning: 0.1, critical: 0.2, alert: 'synthetic_accuracy', syntheticOnly: true, source: 'Stated reason: |label-free estimate - realised accuracy|; NannyML reports CBPE errors of a few points on calibrated models.' },
  synthetic_real_intent_js: { direction: 'above', warning: 0.2, critical: 0.35, alert: null, syntheticOnly: true, operational: true, source: 'Stated reason: recorded, not alerted: the synthetic mix follows the generator\'s targets, not traffic (a balanced mix is ~0.38 from a real mix that is half not_privacy), so its distance is a choice, not an incident; the status marks twice the drift threshold.' },
  synthetic_real_embedding_cosine: { direction: 'above', warning: 0.2, critical: 0.4, alert: 'drift', syntheticOnly: true, operational: true, source: 'Stated reason: twice the Evidently embedding distance threshold; synthetic text is expected to differ in style.' },
} as const satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRICS;

/** A metric's definition, widened to the interface (optional fields readable). */
export function metricDef(name: MetricName): MetricDef {
  return METRICS[name];
}
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

export type Thresholds = Record<MetricName, { warning: number | null; critical: number | null }>;

export function defaultThresholds(): Thresholds {
  const out = {} as Thresholds;
  for (const name of METRIC_NAMES) out[name] = { warning: METRICS[name].warning, critical: METRICS[name].critical };
  return out;
}

/**
 * PCC_DRIFT_THRESHOLDS: a JSON object of per-metric overrides, e.g.
 * {"confidence_psi":{"warning":0.15}}. Unknown metric names are refused (a misspelling must not
 * pass silently).
 */
export function parseThresholds(json: string): Thresholds {
  const out = defaultThresholds();
  if (!json.trim()) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new ConfigError(`PCC_DRIFT_THRESHOLDS: not valid JSON: ${(err as Error).message}`, { variables: ['PCC_DRIFT_THRESHOLDS'] });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('PCC_DRIFT_THRESHOLDS: must be a JSON object of metric -> {warning, critical}', { variables: ['PCC_DRIFT_THRESHOLDS'] });
  }
  const problems: string[] = [];
  for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(name in METRICS)) {
      problems.push(`unknown metric "${name}"`);
      continue;
    }
    if (!v || typeof v !== 'object') {
      problems.push(`${name}: must be an object`);
      continue;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k !== 'warning' && k !== 'critical') problems.push(`${name}.${k}: only warning and critical can be set`);
      else if (x !== null && (typeof x !== 'number' || !Number.isFinite(x))) problems.push(`${name}.${k}: must be a number or null`);
      else out[name as MetricName][k] = x as number | null;
    }
  }
  if (problems.length) {
    throw new ConfigError(`PCC_DRIFT_THRESHOLDS: ${problems.join('; ')}`, { variables: ['PCC_DRIFT_THRESHOLDS'] });
  }
  return out;
}

export type Status = 'ok' | 'warning' | 'critical' | 'insufficient_data';

function breaches(direction: MetricDef['direction'], value: number, threshold: number | null): boolean {
  if (threshold === null) return false;
  if (direction === 'above') return value >= threshold;
  if (direction === 'below') return value < threshold;
  return Math.abs(value) >= threshold;
}

/** Status of a value against a metric's thresholds; the threshold returned is the one it was judged by. */
export function judge(name: MetricName, value: number, t: Thresholds): { status: Status; threshold: number | null } {
  const def = METRICS[name];
  const { warning, critical } = t[name];
  if (!Number.isFinite(value)) return { status: 'insufficient_data', threshold: warning ?? critical };
  if (breaches(def.direction, value, critical)) return { status: 'critical', threshold: critical };
  if (breaches(def.direction, value, warning)) return { status: 'warning', threshold: warning };
  return { status: 'ok', threshold: warning ?? critical };
}
