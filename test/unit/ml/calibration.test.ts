import { expect } from 'chai';
import { expectedCalibrationError, fitTemperature, nllAtTemperature } from '../../../ml/calibration';
import { createRng } from '../../../producers/synthetic/template/prng';

/** A toy 3-class problem: logits = scale * (onehot of a label that is right `accuracy` of the time). */
function toy(scale: number, accuracy: number, n = 2000): { logits: Float32Array; labels: number[] } {
  const rng = createRng(1);
  const logits = new Float32Array(n * 3);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = rng.int(3);
    const predicted = rng.chance(accuracy) ? label : (label + 1 + rng.int(2)) % 3;
    logits[i * 3 + predicted] = scale;
    labels.push(label);
  }
  return { logits, labels };
}

describe('calibration', () => {
  it('raises T above 1 for an overconfident model', () => {
    const { logits, labels } = toy(10, 0.7);
    const t = fitTemperature(logits, labels, 3);
    expect(t).to.be.greaterThan(1.5);
    expect(nllAtTemperature(logits, labels, 3, t)).to.be.lessThan(nllAtTemperature(logits, labels, 3, 1));
  });

  it('lowers T below 1 for an underconfident model', () => {
    const { logits, labels } = toy(0.5, 0.95);
    expect(fitTemperature(logits, labels, 3)).to.be.lessThan(0.7);
  });

  it('finds the NLL-optimal temperature of a known case', () => {
    // Logit 10 with 70% accuracy over 3 classes: the optimum puts p(top) = 0.7, so
    // exp(10/T) / (exp(10/T) + 2) = 0.7  =>  T = 10 / ln(4.6667).
    const { logits, labels } = toy(10, 0.7, 20000);
    const empirical = labels.filter((l, i) => logits[i * 3 + l] === 10).length / labels.length;
    const expected = 10 / Math.log((2 * empirical) / (1 - empirical));
    expect(fitTemperature(logits, labels, 3)).to.be.closeTo(expected, 0.05);
  });

  it('computes ECE on a known example', () => {
    // Bin 0.9: 2 cases, 1 correct -> |0.5 - 0.9| * 2/4; bin 0.6: 2 cases, 2 correct -> |1 - 0.6| * 2/4.
    const r = expectedCalibrationError([0.9, 0.9, 0.6, 0.6], [true, false, true, true], 15);
    expect(r.ece).to.be.closeTo(0.4, 1e-9);
    expect(r.bins).to.have.length(15);
    expect(r.bins.reduce((s, b) => s + b.count, 0)).to.equal(4);
  });

  it('gives zero ECE for perfectly calibrated bins', () => {
    expect(expectedCalibrationError([1, 1, 1], [true, true, true]).ece).to.equal(0);
  });
});
