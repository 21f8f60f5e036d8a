import { expect } from 'chai';
import { compressionRatio, createDedupIndex, createMinHasher, distinctN, estimateJaccard, shingles } from '../../../../producers/synthetic/quality';

const long = 'I would like to receive a full copy of all the personal data that your company holds about me including my order history and the notes your agents wrote about my calls last year';

describe('synthetic quality metrics', () => {
  it('estimates Jaccard similarity close to the exact value', () => {
    const a = shingles(long);
    const b = shingles(long.replace('last year', 'in March'));
    const exact = a.filter((x) => b.includes(x)).length / new Set([...a, ...b]).size;
    const mh = createMinHasher(256, 42);
    expect(Math.abs(estimateJaccard(mh(a), mh(b)) - exact)).to.be.below(0.1);
  });

  it('rejects exact and near duplicates and keeps different texts', () => {
    const idx = createDedupIndex({ threshold: 0.9, seed: 1 });
    expect(idx.offer(long, 'a').duplicate).to.equal(false);
    expect(idx.offer(long.toUpperCase() + '!!', 'b')).to.include({ duplicate: true, kind: 'exact', of: 'a' });
    const near = idx.offer(long + ' thanks', 'c');
    expect(near).to.include({ duplicate: true, kind: 'near', of: 'a' });
    expect(idx.offer('Please stop sending me marketing texts, I never signed up for them and they arrive at night', 'd').duplicate).to.equal(false);
    expect(idx.size()).to.equal(2);
  });

  it('gives the same verdicts for the same seed', () => {
    const texts = Array.from({ length: 50 }, (_, i) => `${long} ${i % 7} ${i % 3}`);
    const run = (seed: number) => {
      const idx = createDedupIndex({ threshold: 0.9, seed });
      return texts.map((t, i) => idx.offer(t, String(i)).duplicate);
    };
    expect(run(5)).to.deep.equal(run(5));
  });

  it('measures distinct-n and compression on repetitive and varied texts', () => {
    const same = Array.from({ length: 20 }, () => 'delete my account please');
    const varied = ['delete my account please', 'where is my parcel', 'stop the newsletter now', 'who sees my location history'];
    expect(distinctN(same, 1)).to.be.below(distinctN(varied, 1));
    expect(distinctN(varied, 2)).to.equal(1);
    expect(compressionRatio(same)).to.be.above(compressionRatio(varied));
  });
});
