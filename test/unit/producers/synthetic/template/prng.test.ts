import { expect } from 'chai';
import { createRng } from '../../../../../producers/synthetic/template/prng';

describe('seeded prng', () => {
  it('repeats its sequence for a seed', () => {
    const a = createRng(123);
    const b = createRng(123);
    for (let i = 0; i < 100; i++) expect(a.next()).to.equal(b.next());
  });

  it('keeps int within bounds and reaches both ends', () => {
    const r = createRng(5);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = r.int(7);
      expect(x).to.be.within(0, 6);
      seen.add(x);
    }
    expect(seen.size).to.equal(7);
  });

  it('shuffles without losing or inventing items', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const s = createRng(8).shuffle(items);
    expect([...s].sort((x, y) => x - y)).to.deep.equal(items);
    expect(s).to.not.deep.equal(items);
  });
});
