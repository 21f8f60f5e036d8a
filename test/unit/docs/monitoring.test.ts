/**
 * Keeps docs/monitoring.md and docs/runbooks/ in step with the drift monitor's code (issue #5):
 * every metric is documented with its default thresholds and alert kind, and every alert kind has
 * a runbook page with the four sections an on-call reader needs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { webhookMessage, type AlertEvent } from '../../../sinks/drift/rules';
import { METRIC_NAMES, metricDef } from '../../../sinks/drift/thresholds';

const ROOT = path.resolve(__dirname, '../../..');
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');

/** Alert kinds of the contract (schemas/alert.avsc), which the rule engine's AlertKind must match. */
function schemaKinds(): string[] {
  const schema = JSON.parse(read('schemas/alert.avsc')) as { fields: { name: string; type: { symbols?: string[] } }[] };
  return schema.fields.find((f) => f.name === 'kind')!.type.symbols!;
}

function parseThreshold(cell: string): number | null {
  const t = cell.trim().replace(/[±,]/g, '');
  return t === '–' || t === '-' ? null : Number(t);
}

describe('monitoring documentation', () => {
  const doc = read('docs/monitoring.md');
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const m = /^\| `([a-z0-9_]+)` \|(.*)\|$/.exec(line);
    if (m) rows.set(m[1], m[2].split(' | ').map((c) => c.trim()));
  }

  it('documents every metric of thresholds.ts in the metric table of docs/monitoring.md', () => {
    expect(METRIC_NAMES.filter((m) => !rows.has(m))).to.deep.equal([]);
    expect([...rows.keys()].filter((m) => !(METRIC_NAMES as string[]).includes(m)), 'documented metrics that do not exist').to.deep.equal([]);
  });

  it('gives every metric the default thresholds and alert kind the code has', () => {
    for (const name of METRIC_NAMES) {
      const [, warning, critical, kind] = rows.get(name)!;
      const def = metricDef(name);
      expect(parseThreshold(warning), `${name} warning`).to.equal(def.warning);
      expect(parseThreshold(critical), `${name} critical`).to.equal(def.critical);
      expect(kind === '–' ? null : kind, `${name} alert kind`).to.equal(def.alert);
    }
  });

  it('uses only alert kinds of the Alert schema', () => {
    const kinds = schemaKinds();
    const used = new Set(METRIC_NAMES.map((m) => metricDef(m).alert).filter((k): k is NonNullable<typeof k> => k !== null));
    expect([...used].filter((k) => !kinds.includes(k))).to.deep.equal([]);
  });

  for (const kind of schemaKinds()) {
    it(`has a runbook for alert kind ${kind} with meaning, confirmation, action and escalation`, () => {
      const file = `docs/runbooks/${kind}.md`;
      expect(existsSync(path.join(ROOT, file)), file).to.equal(true);
      const page = read(file);
      for (const section of ['## What it means', '## Confirm', '## What to do', '## Escalate']) expect(page, `${file}: ${section}`).to.include(section);
      expect(page, `${file} shows a query`).to.match(/```sql/);
      for (const m of METRIC_NAMES.filter((x) => metricDef(x).alert === kind)) expect(page, `${file} names ${m}`).to.include(m);
      expect(doc, `docs/monitoring.md links ${file}`).to.include(`runbooks/${kind}.md`);
    });
  }

  it('links from every webhook message to a runbook page that exists', () => {
    for (const kind of schemaKinds()) {
      const e = { kind, status: 'firing', severity: 'warning', value: 1, threshold: 1, window_start: 0, window_end: 1, source: 'real', metric: 'm', fingerprint: 'f', alert_id: 'a' } as unknown as AlertEvent;
      const link = /Runbook: (\S+\.md)/.exec(webhookMessage(e).text)![1];
      expect(existsSync(path.join(ROOT, link)), link).to.equal(true);
    }
  });
});
