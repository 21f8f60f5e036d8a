import { expect } from 'chai';
import { classificationReport } from '../../../ml/metrics';

describe('classification metrics', () => {
  it('computes per-label, macro and privacy-vs-not figures of a known confusion', () => {
    // truth / predicted over labels 0 (access), 1 (deletion), 8 (not_privacy)
    const truth = [0, 0, 1, 1, 8, 8];
    const pred = [0, 1, 1, 1, 8, 0];
    const r = classificationReport(truth, pred);
    expect(r.accuracy).to.be.closeTo(4 / 6, 1e-9);
    const access = r.perLabel[0];
    expect(access.precision).to.be.closeTo(0.5, 1e-9);
    expect(access.recall).to.be.closeTo(0.5, 1e-9);
    expect(r.perLabel[1].precision).to.be.closeTo(2 / 3, 1e-9);
    expect(r.perLabel[1].recall).to.equal(1);
    // labels without support do not drag the macro average down
    expect(r.macroF1).to.be.closeTo((0.5 + 0.8 + 2 / 3) / 3, 1e-9);
    expect(r.privacy).to.include({ tp: 4, fp: 1, fn: 0, tn: 1 });
    expect(r.confusion[8][0]).to.equal(1);
  });
});
