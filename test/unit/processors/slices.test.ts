import { expect } from 'chai';
import { sliceEnds } from '../../../processors/index';

describe('processor slices (sliceEnds)', () => {
  it('cuts a fetch into transactions of the cap, and a remainder under a quarter of it joins the last', () => {
    expect(sliceEnds(3100, 3000)).to.deep.equal([3100]);
    expect(sliceEnds(3749, 3000)).to.deep.equal([3749]);
    expect(sliceEnds(3750, 3000)).to.deep.equal([3000, 3750]);
    expect(sliceEnds(6200, 3000)).to.deep.equal([3000, 6200]);
    expect(sliceEnds(2999, 3000)).to.deep.equal([2999]);
    expect(sliceEnds(3000, 3000)).to.deep.equal([3000]);
    expect(sliceEnds(100, 37)).to.deep.equal([37, 74, 100]);
    expect(sliceEnds(80, 37)).to.deep.equal([37, 80]);
    expect(sliceEnds(5, 1)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(sliceEnds(0, 3000)).to.deep.equal([]);
  });

  it('covers every record once, in order, and never makes a slice over 1.25 times the cap', () => {
    for (let n = 1; n <= 400; n++) {
      for (const max of [1, 2, 3, 7, 37, 100, 500]) {
        const ends = sliceEnds(n, max);
        let start = 0;
        for (const end of ends) {
          expect(end, `n=${n} max=${max}`).to.be.greaterThan(start);
          expect(end - start, `n=${n} max=${max}`).to.be.at.most(Math.floor(max * 1.25));
          start = end;
        }
        expect(start, `n=${n} max=${max}`).to.equal(n);
      }
    }
  });
});
