import { expect } from 'chai';
import type { LabelledRow } from '../../../ml/data';
import { decisionEce, stratifiedFolds } from '../../../ml/train';
import { INTENTS } from '../../../lib/taxonomy';

const rowsOf = (counts: Record<string, number>): LabelledRow[] =>
  Object.entries(counts).flatMap(([label, n]) =>
    Array.from({ length: n }, (_, i) => ({ id: `${label}-${i}`, text: `${label} ${i}`, label: label as LabelledRow['label'], source: 'handwritten' as const })),
  );

describe('cross-fitted calibration', () => {
  const rows = rowsOf({ access_request: 13, deletion_request: 9, not_privacy: 40 });

  it('splits the hand-written rows into folds that partition them exactly once', () => {
    const folds = stratifiedFolds(rows, 4, 7);
    const ids = folds.flat().map((r) => r.id).sort();
    expect(ids).to.deep.equal(rows.map((r) => r.id).sort());
  });

  it('keeps every label within one row of an even share in each fold', () => {
    const folds = stratifiedFolds(rows, 4, 7);
    for (const label of ['access_request', 'deletion_request', 'not_privacy']) {
      const total = rows.filter((r) => r.label === label).length;
      for (const f of folds) {
        const n = f.filter((r) => r.label === label).length;
        expect(Math.abs(n - total / 4)).to.be.at.most(1);
      }
    }
  });

  it('assigns the same folds for the same seed and different folds for another seed', () => {
    const a = stratifiedFolds(rows, 4, 7).map((f) => f.map((r) => r.id));
    const b = stratifiedFolds(rows, 4, 7).map((f) => f.map((r) => r.id));
    const c = stratifiedFolds(rows, 4, 8).map((f) => f.map((r) => r.id));
    expect(a).to.deep.equal(b);
    expect(a).to.not.deep.equal(c);
  });

  it('refuses fewer than two folds', () => {
    expect(() => stratifiedFolds(rows, 1, 7)).to.throw(/folds/);
  });

  it('scores the confidence of the decided label, not of the top label', () => {
    // p(not_privacy) = 0.6 is top, but below the 0.75 threshold the decision is deletion_request
    // with confidence 0.3; that case is right, so the 0.3-confidence bin has accuracy 1.
    const k = INTENTS.length;
    const probs = [0.02, 0.3, 0.02, 0.02, 0.01, 0.01, 0.01, 0.01, 0.6];
    const logits = new Float32Array(k);
    probs.forEach((p, j) => (logits[j] = Math.log(p)));
    const deletion = INTENTS.indexOf('deletion_request');
    expect(decisionEce(logits, [deletion], 1, 0.75)).to.be.closeTo(0.7, 1e-3);
    expect(decisionEce(logits, [deletion], 1, 0.5)).to.be.closeTo(0.6, 1e-3);
  });
});
