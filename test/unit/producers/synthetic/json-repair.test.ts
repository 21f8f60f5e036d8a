import { expect } from 'chai';
import { closeTruncated, repairJson } from '../../../../producers/synthetic/json-repair';
import { parseReply } from '../../../../producers/synthetic/reply';

describe('synthetic json repair', () => {
  it('parses valid JSON without calling it repaired', () => {
    const r = repairJson('{"subject":null,"turns":[{"speaker":"customer","text":"hi"}]}');
    expect(r).to.include({ ok: true, repaired: false });
  });

  it('strips a code fence and the prose around it', () => {
    const r = repairJson('Sure! Here it is:\n```json\n{"a": 1}\n```\nAnything else?');
    expect(r.ok && r.value).to.deep.equal({ a: 1 });
    expect(r.ok && r.fixes).to.include('code_fence');
  });

  it('removes trailing commas', () => {
    const r = repairJson('{"a": [1, 2,], "b": {"c": 3,},}');
    expect(r.ok && r.value).to.deep.equal({ a: [1, 2], b: { c: 3 } });
    expect(r.ok && r.fixes).to.include('trailing_comma');
  });

  it('closes a reply cut off inside a string', () => {
    const r = repairJson('{"subject": "Data", "turns": [{"speaker": "customer", "text": "Please delete my acc');
    expect(r.ok && r.value).to.deep.equal({ subject: 'Data', turns: [{ speaker: 'customer', text: 'Please delete my acc' }] });
    expect(r.ok && r.fixes).to.include('truncated');
  });

  it('closes a reply cut off after a key or a comma', () => {
    expect(JSON.parse(closeTruncated('{"a": 1, "b":'))).to.deep.equal({ a: 1, b: null });
    expect(JSON.parse(closeTruncated('{"a": [1, 2,'))).to.deep.equal({ a: [1, 2] });
    expect(JSON.parse(closeTruncated('{"a": 1, "b"'))).to.deep.equal({ a: 1 });
  });

  it('rejects what cannot be JSON', () => {
    expect(repairJson('I am sorry, I cannot help with that.').ok).to.equal(false);
  });

  it('accepts a reply with a customer turn and rejects one without', () => {
    expect(parseReply('{"subject":"x","turns":[{"speaker":"agent","text":"hello"},{"speaker":"customer","text":"delete my data"}]}')).to.include({ ok: true, repaired: false });
    expect(parseReply('{"subject":"x","turns":[{"speaker":"agent","text":"hello"}]}').ok).to.equal(false);
    expect(parseReply('{"subject":"x","turns":[{"speaker":"robot","text":"hello"}]}').ok).to.equal(false);
  });
});
