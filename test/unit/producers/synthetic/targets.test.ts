import { expect } from 'chai';
import { INTENTS } from '../../../../lib/taxonomy';
import { allocate, parseTargets, planSpecs, plannedCounts } from '../../../../producers/synthetic/targets';
import { buildPrompt, PROMPT_TEMPLATES } from '../../../../producers/synthetic/prompts';

describe('synthetic targets and plan', () => {
  it('allocates exactly the count by largest remainder', () => {
    expect(allocate(10, { a: 1, b: 1, c: 1 })).to.deep.equal({ a: 4, b: 3, c: 3 });
    const a = allocate(900, parseTargets('').intents);
    expect(Object.values(a).reduce((x, y) => x + y, 0)).to.equal(900);
    expect(a.not_privacy).to.be.above(a.access_request);
  });

  it('plans one spec per case with the planned counts in every dimension', () => {
    const t = parseTargets('{"languages":{"en":1,"es":1,"fr":1,"de":1}}');
    const specs = planSpecs(400, 9, t);
    const counts = plannedCounts(400, t);
    for (const lang of ['en', 'es', 'fr', 'de']) expect(specs.filter((s) => s.language === lang)).to.have.length(counts.languages[lang]);
    for (const intent of INTENTS) expect(specs.filter((s) => s.intent === intent)).to.have.length(counts.intents[intent]);
    expect(planSpecs(400, 9, t)).to.deep.equal(specs);
    expect(planSpecs(400, 10, t)).to.not.deep.equal(specs);
  });

  it('refuses unknown keys and all-zero weights with PCC_SYNTH_TARGETS_INVALID', () => {
    for (const bad of ['{"intents":{"refund":1}}', '{"colour":{}}', '{"languages":{"en":0,"es":0,"fr":0,"de":0}}', 'not json', '{"tones":{"angry":-1}}']) {
      expect(() => parseTargets(bad), bad).to.throw().with.property('code', 'PCC_SYNTH_TARGETS_INVALID');
    }
  });

  it('gives each prompt template an id and a sha256, and fills every slot', () => {
    for (const t of PROMPT_TEMPLATES) expect(t.sha256).to.match(/^[0-9a-f]{64}$/);
    const spec = planSpecs(1, 1, parseTargets(''))[0];
    const p = buildPrompt({ ...spec, language: 'de', difficulty: 'prompt_injection', shape: 'conversation' });
    expect(p.template.id).to.equal('conversation/v1');
    expect(p.messages[1].content).to.contain('German').and.not.match(/\{[a-z_]+\}/);
  });
});
