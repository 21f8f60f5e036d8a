import { expect } from 'chai';
import { hashRows, jaccard, nearDuplicateIndices, shingles, type LabelledRow } from '../../../ml/data';

const row = (id: string, text: string): LabelledRow => ({ id, text, label: 'deletion_request', source: 'handwritten' });

describe('training data', () => {
  it('finds near-duplicates of reference rows and leaves distinct rows', () => {
    const dev = [row('d1', 'Please delete my account and all of the personal data you hold about me, thank you very much.')];
    const train = [
      row('t1', 'please delete my account and all of the personal data you hold about me, thank you very much!'),
      row('t2', 'Where is my parcel? It was due on Monday and the tracking page has not moved.'),
      row('t3', 'Please delete my account and all of the personal data you hold about me, thank you so much.'),
    ];
    const dup = nearDuplicateIndices(train, dev, 0.8);
    expect([...dup].sort()).to.deep.equal([0]);
    expect(nearDuplicateIndices(train, dev, 0.6).has(2)).to.equal(true);
  });

  it('treats a very short text as one shingle', () => {
    expect([...shingles(undefined, 'pls delete')]).to.deep.equal(['pls delete']);
    expect(jaccard(shingles(undefined, 'pls delete'), shingles(undefined, 'PLS DELETE!'))).to.equal(1);
  });

  it('hashes the exact rows: any change changes the hash', () => {
    const a = [row('1', 'a b c'), row('2', 'd e f')];
    expect(hashRows(a)).to.equal(hashRows([row('1', 'a b c'), row('2', 'd e f')]));
    expect(hashRows(a)).to.not.equal(hashRows([row('2', 'd e f'), row('1', 'a b c')]));
    expect(hashRows(a)).to.match(/^[0-9a-f]{64}$/);
  });
});
