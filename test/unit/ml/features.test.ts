import { expect } from 'chai';
import { DEFAULT_FEATURE_SETTINGS, TOKEN_EMAIL, TOKEN_PHONE, TOKEN_URL, bigramFeatureId, featureIds, hash32, normaliseText, stripQuotedReply, tokenize, validateFeatureSettings, wordFeatureIds } from '../../../ml/features';

describe('features', () => {
  it('hashes the same text to the same value on every run', () => {
    // Pinned values: a change here silently invalidates every released model.
    expect(hash32('privacy')).to.equal(hash32('privacy'));
    expect(hash32('')).to.equal(hash32(''));
    expect(hash32('privacy')).to.not.equal(hash32('privacz'));
    expect(hash32('delete', 1)).to.not.equal(hash32('delete', 2));
    expect(hash32('privacy')).to.equal(587107865);
  });

  it('keeps every feature id inside the bucket range', () => {
    const s = { ...DEFAULT_FEATURE_SETTINGS, buckets: 1024 };
    const ids = featureIds('Subject', 'Please delete ALL my data — now! ünïcödé 😀 words words', s);
    expect(ids.length).to.be.greaterThan(20);
    for (const id of ids) expect(id).to.be.within(0, 1023);
  });

  it('produces the same ids for the same text', () => {
    const a = featureIds(undefined, 'stop sending me newsletters', DEFAULT_FEATURE_SETTINGS);
    const b = featureIds(undefined, 'stop sending me newsletters', DEFAULT_FEATURE_SETTINGS);
    expect(Array.from(a)).to.deep.equal(Array.from(b));
  });

  it('replaces e-mails, URLs, phone numbers and digits with placeholders', () => {
    const n = normaliseText('Mail ME at Jane.Doe@example.com or see https://x.example/a?b=1, call +44 7700 900123, order 48213');
    expect(n).to.include(TOKEN_EMAIL);
    expect(n).to.include(TOKEN_URL);
    expect(n).to.include(TOKEN_PHONE);
    expect(n).to.include('order 00000');
    expect(n).to.not.match(/[A-Z1-9]/);
  });

  it('applies NFKC so full-width letters match ASCII', () => {
    expect(normaliseText('ＤＥＬＥＴＥ')).to.equal('delete');
  });

  it('drops quoted replies', () => {
    const t = 'Please delete my data.\n\nOn Mon, 3 Mar 2026 at 10:14, Support <s@x.example> wrote:\n> how can we help';
    expect(stripQuotedReply(t).trim()).to.equal('Please delete my data.');
    expect(normaliseText('hi\n> quoted line\nbye')).to.not.include('quoted');
  });

  it('tokenises words and keeps apostrophes inside words', () => {
    expect(tokenize("i don't want it, ok?")).to.deep.equal(['i', "don't", 'want', 'it', 'ok']);
  });

  it('builds char n-grams of 3 to 5 plus the word itself', () => {
    // "<abc>": 3-grams <ab abc bc> (3), 4-grams <abc abc> (2), 5-gram is the whole word: skipped.
    expect(wordFeatureIds('abc', DEFAULT_FEATURE_SETTINGS)).to.have.length(1 + 3 + 2);
  });

  it('makes bigrams order-sensitive', () => {
    expect(bigramFeatureId('delete', 'order', DEFAULT_FEATURE_SETTINGS)).to.not.equal(bigramFeatureId('order', 'delete', DEFAULT_FEATURE_SETTINGS));
  });

  it('rejects a bucket count that is not a power of two', () => {
    expect(() => validateFeatureSettings({ ...DEFAULT_FEATURE_SETTINGS, buckets: 1000 })).to.throw(/power of two/);
  });
});
