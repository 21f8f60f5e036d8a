import { expect } from 'chai';
import { slaDueAt, validateCase, withoutNul } from '../../../processors/validate';

const NOW = Date.UTC(2026, 10, 28, 12);
const LIMITS = { maxBodyChars: 20_000, maxBodyBytes: 1_048_576, futureSkewMs: 300_000 };
const base = { case_id: 'c-1', received_at: NOW - 1000, channel: 'email', body: 'please delete my account', subject: null, language: 'en', jurisdiction: null, metadata: {} };

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'none';
}

describe('validateCase', () => {
  it('accepts a complete case with no warnings and GDPR by default', () => {
    const c = validateCase(base, 'real', NOW, LIMITS);
    expect(c.warnings).to.deep.equal([]);
    expect(c.jurisdiction).to.equal('GDPR');
  });

  it('rejects an empty body, a missing case id, an unknown channel and a bad time with their own codes', () => {
    expect(code(() => validateCase({ ...base, body: '  \n ' }, 'real', NOW, LIMITS))).to.equal('PCC_VALIDATION_EMPTY_BODY');
    expect(code(() => validateCase({ ...base, case_id: '' }, 'real', NOW, LIMITS))).to.equal('PCC_VALIDATION_MISSING_FIELD');
    expect(code(() => validateCase({ ...base, channel: 'fax' }, 'real', NOW, LIMITS))).to.equal('PCC_VALIDATION_BAD_CHANNEL');
    expect(code(() => validateCase({ ...base, received_at: -5 }, 'real', NOW, LIMITS))).to.equal('PCC_VALIDATION_BAD_TIMESTAMP');
  });

  it('rejects a body over the byte limit', () => {
    expect(code(() => validateCase({ ...base, body: 'x'.repeat(1_048_577) }, 'real', NOW, LIMITS))).to.equal('PCC_VALIDATION_BODY_TOO_LARGE');
  });

  it('classifies a long body on its first 20,000 characters, with a warning', () => {
    const c = validateCase({ ...base, body: 'a'.repeat(50_000) }, 'real', NOW, LIMITS);
    expect(c.body.length).to.equal(20_000);
    expect(c.warnings).to.deep.equal(['PCC_WARN_BODY_TRUNCATED']);
  });

  it('replaces a received_at an hour in the future by the processing time, with a warning', () => {
    const c = validateCase({ ...base, received_at: NOW + 3_600_000 }, 'real', NOW, LIMITS);
    expect(c.received_at).to.equal(NOW);
    expect(c.warnings).to.deep.equal(['PCC_WARN_FUTURE_TIMESTAMP']);
  });

  it('keeps a received_at within the allowed clock skew', () => {
    expect(validateCase({ ...base, received_at: NOW + 60_000 }, 'real', NOW, LIMITS).received_at).to.equal(NOW + 60_000);
  });

  it('applies CCPA when the case says so and warns on an unknown jurisdiction', () => {
    expect(validateCase({ ...base, jurisdiction: 'ccpa' }, 'real', NOW, LIMITS).jurisdiction).to.equal('CCPA');
    const c = validateCase({ ...base, jurisdiction: 'Mars' }, 'real', NOW, LIMITS);
    expect(c.jurisdiction).to.equal('GDPR');
    expect(c.warnings).to.deep.equal(['PCC_WARN_UNKNOWN_JURISDICTION']);
  });

  it('requires ground truth and batch on synthetic cases and refuses them on the real stream', () => {
    expect(code(() => validateCase(base, 'synthetic', NOW, LIMITS))).to.equal('PCC_VALIDATION_BAD_FIELD');
    const s = validateCase({ ...base, ground_truth_intent: 'deletion_request', batch_id: 'b1' }, 'synthetic', NOW, LIMITS);
    expect(s.batch_id).to.equal('b1');
    expect(code(() => validateCase({ ...base, batch_id: 'b1' }, 'real', NOW, LIMITS))).to.equal('PCC_SYNTHETIC_ON_REAL_TOPIC');
    expect(code(() => validateCase({ ...base, case_id: 'syn-123' }, 'real', NOW, LIMITS))).to.equal('PCC_SYNTHETIC_ON_REAL_TOPIC');
  });

  it('sets the deadline 30 days out under GDPR and 45 under CCPA', () => {
    expect(slaDueAt(NOW, 'GDPR') - NOW).to.equal(30 * 86_400_000);
    expect(slaDueAt(NOW, 'CCPA') - NOW).to.equal(45 * 86_400_000);
  });
});

describe('withoutNul', () => {
  it('removes U+0000 from every string, metadata included, and says so', () => {
    const r = withoutNul({ case_id: 'a\u0000b', body: 'x\u0000y\u0000', metadata: { k: 'v\u0000' }, n: 3 });
    expect(r.removed).to.equal(true);
    expect(r.value).to.deep.equal({ case_id: 'ab', body: 'xy', metadata: { k: 'v' }, n: 3 });
  });
  it('leaves a clean case as it is (the same object)', () => {
    const raw = { case_id: 'a', body: 'b' };
    const r = withoutNul(raw);
    expect(r.removed).to.equal(false);
    expect(r.value).to.equal(raw);
  });
});
