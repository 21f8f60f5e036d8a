import { expect } from 'chai';
import { createHash } from 'crypto';
import * as path from 'path';
import { readArtifact } from '../../../ml/artifact';
import { tf } from '../../../ml/backend';
import { createBagBuilder, loadClassifier, type Classifier } from '../../../ml/classifier';
import { decideIndex } from '../../../ml/decision';
import { DEFAULT_FEATURE_SETTINGS, caseText, featureIds, normaliseText, tokenize, wordFeatureIds, type FeatureSettings } from '../../../ml/features';
import { denseForward, softmaxInto, type ModelWeights } from '../../../ml/model';
import { INTENTS } from '../../../lib/taxonomy';
import { goldenCorpus, type GoldenCase } from './golden-corpus';
import * as ref from './reference-features';

// The released model was trained and evaluated with this feature function; any change in an id
// or in a bit of a bag changes its predictions. Speed-ups must keep all of these equal.
const MODEL_DIR = path.resolve(__dirname, '..', '..', '..', 'models', 'pcc-intent-1.1.0');

const VARIANTS: Record<string, FeatureSettings> = {
  default: { ...DEFAULT_FEATURE_SETTINGS },
  small: { ...DEFAULT_FEATURE_SETTINGS, buckets: 1024, wordBigrams: false, charNgramMin: 2, charNgramMax: 6, charNgramMaxWordLength: 8, maxTokens: 17 },
  nochar: { ...DEFAULT_FEATURE_SETTINGS, charNgramMin: 0, charNgramMax: 0 },
  n1: { ...DEFAULT_FEATURE_SETTINGS, charNgramMin: 1, charNgramMax: 3 },
};

/** sha256 of featureIds over the golden corpus, computed with the code released in 2ee66db (./reference-features). */
const PINNED_FEATURE_DIGESTS: Record<string, string> = {
  default: '5ca651e2d61bab538590c58abb650fd1f5205172afd908f7bfcc555380e3c4ef',
  small: '635e625a8d773e796a053a7c0531ecfc55ab572acccabce4b32ddf9a0f62a08c',
  nochar: 'bee81d7220423dfc61f2ac2143c65a05f22ba68033498001b893e903b6f6c486',
  n1: '759bf59c570fbea12b8975d84d7b1a53ce8045afe6f91c1599776fce17f3c986',
};
/** sha256 of the pcc-intent-1.1.0 bag vectors of the golden corpus (pure JS, so machine-independent). */
const PINNED_BAG_DIGEST = 'c83a7588a0b25e8b4a7b0c33d1cff587069bb862f58717e279f6e6c7dfbe294c';

const bytesOf = (a: Int32Array | Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function bagsOf(build: (items: readonly GoldenCase[]) => Float32Array, corpus: readonly GoldenCase[], batchSize: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < corpus.length; i += batchSize) out.push(build(corpus.slice(i, i + batchSize)));
  return out;
}

describe('feature and classifier golden outputs', () => {
  const corpus = goldenCorpus();
  let weights: ModelWeights;
  let settings: FeatureSettings;

  before(() => {
    const art = readArtifact(MODEL_DIR);
    weights = art.weights;
    settings = art.settings;
  });

  it('covers a large and varied corpus', () => {
    expect(corpus.length).to.be.greaterThan(2000);
    expect(corpus.some((c) => c.body.length > 4000)).to.equal(true);
  });

  it('normalises every golden case, and e-mail-like strings, to the reference text', () => {
    const texts = corpus.map((c) => caseText(c.subject, c.body));
    // Short random strings over the characters the e-mail pattern cares about, so runs that
    // hold an '@' start and end at every kind of neighbour (surrogates included).
    const alphabet = ['a', 'b', 'ü', '1', '@', '@', '.', '.', '-', '_', '+', '%', ' ', ',', '😀', '𝐚', '\ud800', '\udc00', 'co', 'm'];
    let seed = 7;
    for (let i = 0; i < 5000; i++) {
      let t = '';
      const len = 1 + (i % 24);
      for (let j = 0; j < len; j++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        t += alphabet[(seed >>> 8) % alphabet.length];
      }
      texts.push(t);
    }
    for (const t of texts) expect(normaliseText(t), JSON.stringify(t.slice(0, 80))).to.equal(ref.normaliseText(t));
  });

  it('tokenises every golden case as the reference regex does, with and without a token limit', () => {
    const apostrophes = ["it's", 'it’s', "'s", "s'", 'a’’b', "a'1", 'a’😀', "𝐚'𝐛", 'x\ud800’y', "don't'", '’’’', "a'b'c"];
    const texts = [...corpus.map((c) => normaliseText(caseText(c.subject, c.body))), ...apostrophes];
    for (const t of texts) {
      expect(tokenize(t), t.slice(0, 80)).to.deep.equal(ref.tokenize(t));
      expect(tokenize(t, 3)).to.deep.equal(ref.tokenize(t, 3));
    }
  });

  for (const [name, s] of Object.entries(VARIANTS)) {
    it(`computes the reference feature ids for every golden case (${name} settings)`, () => {
      const h = createHash('sha256');
      for (const c of corpus) {
        const got = featureIds(c.subject, c.body, s);
        const want = ref.featureIds(c.subject, c.body, s);
        const at = firstDifference(got, want);
        if (at >= 0) expect.fail(`ids differ at ${at} for ${JSON.stringify(c).slice(0, 120)}`);
        h.update(bytesOf(got)).update('|');
      }
      expect(h.digest('hex')).to.equal(PINNED_FEATURE_DIGESTS[name]);
    });
  }

  it('computes the reference ids of single words, including lengths around the n-gram limits', () => {
    const words = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'x'.repeat(23), 'y'.repeat(24), 'z'.repeat(25), "don't", 'straße', 'i̇stanbul', '😀', '𝐚𝐛', '日本語'];
    for (const s of Object.values(VARIANTS)) {
      for (const w of words) expect(wordFeatureIds(w, s), w).to.deep.equal(ref.wordFeatureIds(w, s));
    }
  });

  for (const kernel of [true, false]) {
    it(`builds bag vectors bit-identical to the reference builder, with and without cache eviction (${kernel ? 'SIMD kernel' : 'JavaScript loop'})`, () => {
      for (const [cacheSize, batchSize] of [
        [200_000, 256],
        [50, 37],
        [1, 1],
      ]) {
        const got = bagsOf(createBagBuilder(weights, settings, cacheSize, { kernel }), corpus, batchSize);
        const want = bagsOf(ref.createReferenceBagBuilder(weights, settings, cacheSize), corpus, batchSize);
        const h = createHash('sha256');
        got.forEach((g, i) => {
          const at = firstDifference(g, want[i]);
          if (at >= 0) expect.fail(`bag differs (cache ${cacheSize}, batch ${batchSize}) in batch ${i} at ${at}`);
          h.update(bytesOf(g));
        });
        expect(h.digest('hex')).to.equal(PINNED_BAG_DIGEST);
      }
    });
  }

  it('builds the same bags when one builder serves batches of different sizes in turn', () => {
    const build = createBagBuilder(weights, settings, 1000);
    const reference = ref.createReferenceBagBuilder(weights, settings, 1000);
    const sizes = [512, 1, 3, 300, 64, 2];
    for (let i = 0, k = 0; i < corpus.length; k++) {
      const batch = corpus.slice(i, i + sizes[k % sizes.length]);
      i += batch.length;
      const got = build(batch);
      expect(got.length).to.equal(batch.length * weights.shape.bagDim);
      expect(firstDifference(got, reference(batch))).to.equal(-1);
    }
  });

  describe('with the released model', () => {
    let clf: Classifier;
    before(async () => {
      clf = await loadClassifier(MODEL_DIR);
    });
    after(() => clf.dispose());

    it('classifies every golden case exactly as the reference pipeline', () => {
      const { bagDim, embeddingDim, numLabels } = weights.shape;
      const art = readArtifact(MODEL_DIR);
      const vars = {
        w1: tf.tensor2d(weights.w1, [bagDim, embeddingDim]),
        b1: tf.tensor1d(weights.b1),
        w2: tf.tensor2d(weights.w2, [embeddingDim, numLabels]),
        b2: tf.tensor1d(weights.b2),
      };
      const reference = ref.createReferenceBagBuilder(weights, settings);
      try {
        for (let i = 0; i < corpus.length; i += 256) {
          const batch = corpus.slice(i, i + 256);
          const got = clf.classifyBatch(batch);
          const bags = reference(batch);
          const { embedding, logits } = tf.tidy(() => denseForward(tf, tf.tensor2d(bags, [batch.length, bagDim]), vars));
          const lg = logits.dataSync() as Float32Array;
          const emb = embedding.dataSync() as Float32Array;
          tf.dispose([embedding, logits]);
          const probs = new Float32Array(numLabels);
          for (let j = 0; j < batch.length; j++) {
            softmaxInto(lg, j * numLabels, numLabels, art.calibration.temperature, probs, 0);
            const k = decideIndex(probs, 0, { privacyThreshold: art.calibration.privacyThreshold });
            expect(got[j].intent).to.equal(INTENTS[k]);
            expect(got[j].confidence).to.equal(probs[k]);
            expect(got[j].probabilities).to.deep.equal(Array.from(probs));
            expect(firstDifference(got[j].embedding, emb.subarray(j * embeddingDim, (j + 1) * embeddingDim))).to.equal(-1);
          }
        }
      } finally {
        tf.dispose([vars.w1, vars.b1, vars.w2, vars.b2]);
      }
    });
  });
});
