import { expect } from 'chai';
import {
  chiSquareGoodnessOfFit, chiSquareSf, chiSquareTwoSample, confusionMatrix, cosineDistance, ece, jsDistance, kolmogorovQ, ksFromHistograms,
  ksTwoSample, macroF1FromConfusion, mmdPermutationTest, psi, rebin, seededRandom,
} from '../../../../sinks/drift/stats';

function gaussian(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

describe('drift statistics', () => {
  describe('Jensen-Shannon distance (base 2)', () => {
    it('is 0 for identical distributions', () => {
      expect(jsDistance([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).to.equal(0);
      expect(jsDistance([2, 3, 5], [20, 30, 50])).to.be.closeTo(0, 1e-12);
    });
    it('is 1 for disjoint distributions', () => {
      expect(jsDistance([1, 0, 0], [0, 0.5, 0.5])).to.be.closeTo(1, 1e-12);
    });
    it('matches the hand-computed value for [.5,.5] vs [1,0]: sqrt((0.2075 + 0.4150) / 2) = 0.557923', () => {
      // M = [.75, .25]; KL(P||M) = .5 log2(.5/.75) + .5 log2(.5/.25) = 0.207519; KL(Q||M) = log2(1/.75) = 0.415037.
      expect(jsDistance([0.5, 0.5], [1, 0])).to.be.closeTo(0.557923, 1e-5);
    });
    it('is symmetric', () => {
      expect(jsDistance([1, 2, 3], [3, 1, 1])).to.be.closeTo(jsDistance([3, 1, 1], [1, 2, 3]), 1e-15);
    });
  });

  describe('chi-square', () => {
    it('gives the p-values of the printed table at the critical values', () => {
      expect(chiSquareSf(3.841, 1)).to.be.closeTo(0.05, 1e-3);
      expect(chiSquareSf(5.991, 2)).to.be.closeTo(0.05, 1e-3);
      expect(chiSquareSf(11.070, 5)).to.be.closeTo(0.05, 1e-3);
      expect(chiSquareSf(6.635, 1)).to.be.closeTo(0.01, 1e-3);
      expect(chiSquareSf(23.209, 10)).to.be.closeTo(0.01, 1e-3);
      expect(chiSquareSf(15.507, 8)).to.be.closeTo(0.05, 1e-3);
    });
    it('tests homogeneity of two samples as a 2 x k table (hand-computed: chi2 = 5.333, df 2, p = e^-2.667)', () => {
      const r = chiSquareTwoSample([10, 20, 30], [20, 20, 20]);
      expect(r.statistic).to.be.closeTo(16 / 3, 1e-9);
      expect(r.df).to.equal(2);
      expect(r.pValue).to.be.closeTo(Math.exp(-8 / 3), 1e-9);
    });
    it('drops categories empty in both samples and gives p = 1 for identical mixes', () => {
      const r = chiSquareTwoSample([10, 0, 10], [20, 0, 20]);
      expect(r.df).to.equal(1);
      expect(r.pValue).to.be.closeTo(1, 1e-12);
    });
    it('tests goodness of fit (a fair die rolled 60 times: chi2 = 1.0 -> p = 0.9626)', () => {
      const r = chiSquareGoodnessOfFit([8, 9, 10, 11, 12, 10], [1, 1, 1, 1, 1, 1]);
      expect(r.statistic).to.be.closeTo(1.0, 1e-12);
      expect(r.pValue).to.be.closeTo(0.96257, 1e-4);
    });
  });

  describe('PSI', () => {
    it('is 0 for identical histograms', () => {
      expect(psi([10, 20, 30], [1, 2, 3])).to.be.closeTo(0, 1e-12);
    });
    it('matches the hand-computed value for [.5,.5] -> [.25,.75] (0.2747)', () => {
      expect(psi([50, 50], [25, 75])).to.be.closeTo(0.25 * Math.log(2) + 0.25 * Math.log(1.5), 1e-12);
    });
    it('replaces empty bins by 0.0001 as Evidently does', () => {
      const expected = (0.5 - 1e-4) * Math.log(0.5 / 1e-4) + (0.5 - 1) * Math.log(0.5 / 1);
      expect(psi([1, 0], [1, 1])).to.be.closeTo(expected, 1e-12);
    });
    it('rebins a fine histogram into equal groups', () => {
      expect(rebin([1, 2, 3, 4, 5, 6], 3)).to.deep.equal([3, 7, 11]);
    });
  });

  describe('Kolmogorov-Smirnov', () => {
    it('gives the tabulated critical values of the Kolmogorov distribution', () => {
      expect(kolmogorovQ(1.3581)).to.be.closeTo(0.05, 5e-4);
      expect(kolmogorovQ(1.6276)).to.be.closeTo(0.01, 2e-4);
      expect(kolmogorovQ(1.2239)).to.be.closeTo(0.10, 5e-4);
    });
    it('finds D = 0.5 for [1,2,3,4] vs [3,4,5,6] and does not call it significant', () => {
      const r = ksTwoSample([1, 2, 3, 4], [3, 4, 5, 6]);
      expect(r.statistic).to.equal(0.5);
      expect(r.pValue).to.be.greaterThan(0.3);
    });
    it('finds D = 1 and a tiny p-value for separated samples', () => {
      const a = Array.from({ length: 100 }, (_, i) => i);
      const b = Array.from({ length: 100 }, (_, i) => 1000 + i);
      const r = ksTwoSample(a, b);
      expect(r.statistic).to.equal(1);
      expect(r.pValue).to.be.lessThan(1e-10);
    });
    it('agrees with the sample test on histograms of the same values', () => {
      const a = [0, 0, 1, 2, 2, 2, 3];
      const b = [1, 1, 2, 3, 3, 3];
      const hist = (xs: number[]) => [0, 1, 2, 3].map((v) => xs.filter((x) => x === v).length);
      const h = ksFromHistograms(hist(a), hist(b));
      const s = ksTwoSample(a, b);
      expect(h.statistic).to.be.closeTo(s.statistic, 1e-12);
      expect(h.pValue).to.be.closeTo(s.pValue, 1e-12);
    });
  });

  describe('cosine distance', () => {
    it('is 0 for parallel, 1 for orthogonal and 2 for opposite vectors', () => {
      expect(cosineDistance([1, 1], [2, 2])).to.be.closeTo(0, 1e-12);
      expect(cosineDistance([1, 0], [0, 3])).to.be.closeTo(1, 1e-12);
      expect(cosineDistance([1, 2], [-1, -2])).to.be.closeTo(2, 1e-12);
    });
  });

  describe('MMD permutation test', () => {
    const sample = (n: number, shift: number, seed: number) => {
      const rnd = seededRandom(seed);
      return Array.from({ length: n }, () => [gaussian(rnd) + shift, gaussian(rnd), gaussian(rnd)]);
    };
    it('does not reject two samples of one distribution', () => {
      const r = mmdPermutationTest(sample(80, 0, 1), sample(80, 0, 2), { permutations: 200, seed: 7 });
      expect(r.pValue).to.be.greaterThan(0.05);
    });
    it('rejects a shifted sample with the smallest p-value the permutations allow', () => {
      const r = mmdPermutationTest(sample(80, 0, 1), sample(80, 1.5, 2), { permutations: 200, seed: 7 });
      expect(r.pValue).to.equal(1 / 201);
      expect(r.mmd2).to.be.greaterThan(0);
    });
    it('is reproducible for a seed', () => {
      const x = sample(40, 0, 3);
      const y = sample(40, 0.3, 4);
      expect(mmdPermutationTest(x, y, { permutations: 100, seed: 9 })).to.deep.equal(mmdPermutationTest(x, y, { permutations: 100, seed: 9 }));
    });
  });

  describe('calibration and accuracy', () => {
    it('computes a 15-bin ECE by hand (0.9 right half the time, 0.6 always right: 0.4)', () => {
      expect(ece([0.9, 0.9, 0.6, 0.6], [true, false, true, true])).to.be.closeTo(0.4, 1e-12);
    });
    it('is 0 for a perfectly calibrated bin', () => {
      expect(ece([0.5, 0.5, 0.5, 0.5], [true, false, true, false])).to.be.closeTo(0, 1e-12);
    });
    it('computes macro-F1 as scikit-learn does (0.7333)', () => {
      expect(macroF1FromConfusion(confusionMatrix([0, 0, 1, 1], [0, 1, 1, 1], 3))).to.be.closeTo(11 / 15, 1e-12);
    });
    it('scores a label predicted but never true as 0 in the macro average', () => {
      expect(macroF1FromConfusion(confusionMatrix([0, 0], [0, 1], 2))).to.be.closeTo((2 / 3 + 0) / 2, 1e-12);
    });
  });
});
