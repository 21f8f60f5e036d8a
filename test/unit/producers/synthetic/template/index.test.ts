import { expect } from 'chai';
import { INTENTS } from '../../../../../lib/taxonomy';
import { GENERATOR_NAME, GENERATOR_VERSION, TEMPLATE_HASH, expand, generateTemplateCases } from '../../../../../producers/synthetic/template';
import { CORES, SLOTS } from '../../../../../producers/synthetic/template/grammar';
import { createRng } from '../../../../../producers/synthetic/template/prng';

describe('template generator', () => {
  it('produces identical cases for the same seed', () => {
    const a = generateTemplateCases({ count: 300, seed: 42 });
    const b = generateTemplateCases({ count: 300, seed: 42 });
    expect(a).to.deep.equal(b);
  });

  it('produces different cases for a different seed', () => {
    const a = generateTemplateCases({ count: 50, seed: 1 }).map((c) => c.body);
    const b = generateTemplateCases({ count: 50, seed: 2 }).map((c) => c.body);
    expect(a).to.not.deep.equal(b);
  });

  it('never calls Math.random', () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error('Math.random called');
    };
    try {
      expect(() => generateTemplateCases({ count: 200, seed: 9 })).to.not.throw();
    } finally {
      Math.random = original;
    }
  });

  it('covers all nine labels even in a batch of nine', () => {
    const labels = new Set(generateTemplateCases({ count: 9, seed: 3 }).map((c) => c.ground_truth_intent));
    expect([...labels].sort()).to.deep.equal([...INTENTS].sort());
  });

  it('restricts output to the requested intents', () => {
    const cases = generateTemplateCases({ count: 100, seed: 5, intents: ['deletion_request', 'not_privacy'] });
    expect(new Set(cases.map((c) => c.ground_truth_intent))).to.deep.equal(new Set(['deletion_request', 'not_privacy']));
  });

  it('labels the hard negatives of the issue not_privacy', () => {
    const hardNegatives = ['delete this order', 'remove my card from checkout', 'cancel my subscription', 'unsubscribe me from the premium plan', 'reset my password', 'account is locked', 'change the shipping address'];
    for (const phrase of hardNegatives) {
      const owners = (Object.keys(CORES) as (keyof typeof CORES)[]).filter((intent) => CORES[intent].some((core) => core.toLowerCase().includes(phrase)));
      expect(owners, phrase).to.deep.equal(['not_privacy']);
    }
    const tagged = generateTemplateCases({ count: 2000, seed: 11 }).filter((c) => c.tags.includes('hard_negative'));
    expect(tagged.length).to.be.greaterThan(50);
    expect(tagged.every((c) => c.ground_truth_intent === 'not_privacy')).to.equal(true);
  });

  it('gives mixed-intent cases the privacy label', () => {
    const mixed = generateTemplateCases({ count: 2000, seed: 12 }).filter((c) => c.tags.includes('mixed_intent'));
    expect(mixed.length).to.be.greaterThan(50);
    expect(mixed.some((c) => c.ground_truth_intent === 'not_privacy')).to.equal(false);
  });

  it('uses every channel and fills the metadata fields', () => {
    const cases = generateTemplateCases({ count: 500, seed: 13 });
    expect(new Set(cases.map((c) => c.channel)).size).to.equal(5);
    for (const c of cases) {
      expect(c.body.trim()).to.not.equal('');
      expect(c.language).to.equal('en');
      expect(c.template_id).to.match(/^[a-z_]+\/\d+$/);
      expect(c.body).to.not.match(/\{[a-z_0-9]+\??\}/);
    }
    expect(new Set(cases.map((c) => c.case_id)).size).to.equal(cases.length);
  });

  it('has a lot of lexical variety', () => {
    const bodies = generateTemplateCases({ count: 3000, seed: 14 }).map((c) => c.body);
    expect(new Set(bodies).size).to.be.greaterThan(2900);
  });

  it('exposes a stable name, version and sha256 template hash', () => {
    expect(GENERATOR_NAME).to.equal('pcc-template');
    expect(GENERATOR_VERSION).to.match(/^\d+\.\d+\.\d+$/);
    expect(TEMPLATE_HASH).to.match(/^[0-9a-f]{64}$/);
  });

  it('expands every slot reference in the grammar', () => {
    const rng = createRng(1);
    for (const [name, options] of Object.entries(SLOTS)) for (const o of options) expect(() => expand(o, rng), name).to.not.throw();
    for (const cores of Object.values(CORES)) for (const core of cores) expect(() => expand(core, rng), core).to.not.throw();
  });

  it('rejects a negative count', () => {
    expect(() => generateTemplateCases({ count: -1, seed: 1 })).to.throw(/count/);
  });
});
