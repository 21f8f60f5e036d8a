import { expect } from 'chai';
import { decide } from '../../../ml/decision';

// Probability rows in INTENTS order: access, deletion, correction, portability, opt-out,
// objection, complaint, inquiry, not_privacy.
describe('decision rule', () => {
  it('takes the most likely label when not_privacy is clearly ahead or behind', () => {
    expect(decide([0.05, 0.8, 0, 0, 0, 0, 0, 0, 0.15], { privacyThreshold: 0.5 })).to.equal('deletion_request');
    expect(decide([0.05, 0.05, 0, 0, 0, 0, 0, 0, 0.9], { privacyThreshold: 0.5 })).to.equal('not_privacy');
  });

  it('calls privacy when p(not_privacy) is below the threshold even if it is the top label', () => {
    const p = [0.2, 0.25, 0.15, 0, 0, 0, 0, 0, 0.4];
    expect(decide(p, { privacyThreshold: 0.5 })).to.equal('deletion_request');
    expect(decide(p, { privacyThreshold: 0.35 })).to.equal('not_privacy');
  });

  it('calls not_privacy when p(not_privacy) reaches the threshold even if a privacy label is top', () => {
    expect(decide([0, 0.45, 0, 0, 0, 0, 0, 0.1, 0.45], { privacyThreshold: 0.4 })).to.equal('not_privacy');
  });
});
