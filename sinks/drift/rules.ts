/**
 * The alert rule engine (pure). One fingerprint per (kind, metric, source). A metric has to
 * breach for a pending period of consecutive windows before it fires (shorter for critical),
 * fires again only when its severity rises, resolves on the first window back to ok, and after
 * resolving stays quiet for a cooldown. Windows without enough data change nothing.
 *
 * Time is counted in windows of event time, never the wall clock, so a replay decides the same.
 */
import { createHash } from 'node:crypto';
import type { Source } from '../../lib/taxonomy';
import type { MetricRow } from './compute';
import { metricDef, type AlertKind } from './thresholds';

export type Severity = 'warning' | 'critical';

export interface AlertEvent {
  alert_id: string;
  fingerprint: string;
  kind: AlertKind;
  severity: Severity;
  status: 'firing' | 'resolved';
  metric: string;
  value: number;
  threshold: number;
  window_start: number;
  window_end: number;
  source: Source;
  details: string;
  emitted_at: number;
}

export interface RuleOptions {
  /** Consecutive breaching windows before a warning fires. */
  pendingWindows: number;
  /** Consecutive breaching windows before a critical fires. */
  criticalPendingWindows: number;
  /** Windows after a resolve during which the same fingerprint does not fire again. */
  cooldownWindows: number;
  windowMs: number;
}

export interface FingerprintState {
  breaches: number;
  firing: { alertId: string; severity: Severity; since: number } | null;
  resolvedAt: number | null;
}

export type RuleState = Record<string, FingerprintState>;

export function fingerprintOf(kind: AlertKind, metric: string, source: Source): string {
  return `${kind}/${metric}/${source}`;
}

/** The id of an alert episode: stable for a fingerprint and the window it fired in, so a replay reuses it. */
export function alertIdOf(fingerprint: string, windowStart: number): string {
  return createHash('sha256').update(`${fingerprint}@${windowStart}`).digest('hex').slice(0, 32);
}

/**
 * Feeds one closed window's rows to the rules; returns the events to emit and mutates `state`.
 * Only alerting metrics at segment '' take part.
 */
export function evaluateRules(state: RuleState, rows: readonly MetricRow[], o: RuleOptions, now: number): AlertEvent[] {
  const out: AlertEvent[] = [];
  for (const r of rows) {
    const kind = metricDef(r.metric).alert;
    if (!kind || r.segment !== '') continue;
    const fp = fingerprintOf(kind, r.metric, r.source);
    const st = (state[fp] ??= { breaches: 0, firing: null, resolvedAt: null });
    if (r.status === 'insufficient_data') continue;
    const event = (status: 'firing' | 'resolved', severity: Severity, alertId: string): AlertEvent => ({
      alert_id: alertId,
      fingerprint: fp,
      kind,
      severity,
      status,
      metric: r.metric,
      value: r.value ?? NaN,
      threshold: r.threshold ?? NaN,
      window_start: r.windowStart,
      window_end: r.windowEnd,
      source: r.source,
      details: JSON.stringify({ ...r.details, reference: r.reference, sample_size: r.sampleSize, segment: r.segment }),
      emitted_at: now,
    });
    if (r.status === 'ok') {
      st.breaches = 0;
      if (st.firing) {
        out.push(event('resolved', st.firing.severity, st.firing.alertId));
        st.firing = null;
        st.resolvedAt = r.windowEnd;
      }
      continue;
    }
    const severity: Severity = r.status;
    st.breaches += 1;
    if (st.firing) {
      if (severity === 'critical' && st.firing.severity === 'warning') {
        st.firing.severity = 'critical';
        out.push(event('firing', 'critical', st.firing.alertId));
      }
      continue;
    }
    const needed = severity === 'critical' ? o.criticalPendingWindows : o.pendingWindows;
    if (st.breaches < needed) continue;
    if (st.resolvedAt !== null && r.windowStart < st.resolvedAt + o.cooldownWindows * o.windowMs) continue;
    const alertId = alertIdOf(fp, r.windowStart);
    st.firing = { alertId, severity, since: r.windowStart };
    out.push(event('firing', severity, alertId));
  }
  return out;
}

/** Slack-compatible message for an alert event. */
export function webhookMessage(e: AlertEvent): { text: string; blocks: unknown[] } {
  const icon = e.status === 'resolved' ? ':white_check_mark:' : e.severity === 'critical' ? ':red_circle:' : ':large_yellow_circle:';
  const when = `${new Date(e.window_start).toISOString()} – ${new Date(e.window_end).toISOString()}`;
  const text = `${icon} [${e.status.toUpperCase()}] ${e.severity} ${e.kind} on ${e.source}: ${e.metric} = ${fmt(e.value)} (threshold ${fmt(e.threshold)}), window ${when}. Runbook: docs/runbooks/${e.kind}.md`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `fingerprint \`${e.fingerprint}\` · alert \`${e.alert_id}\`` }] },
    ],
  };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : 'n/a';
}
