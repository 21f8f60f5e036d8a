/**
 * The feature function and bag builder exactly as released with pcc-intent-1.1.0 (ml/features.ts
 * and ml/classifier.ts at commit 2ee66db), kept as a slow reference: the golden test checks
 * that the optimised code in ml/ computes bit-identical ids, bags and probabilities.
 * Do not optimise this file; it is the definition the released model was trained with.
 */
import type { FeatureSettings } from '../../../ml/features';
import type { ModelWeights } from '../../../ml/model';

/** Placeholder tokens. Letters only, so the tokeniser keeps them whole. */
export const TOKEN_EMAIL = 'zzemail';
export const TOKEN_URL = 'zzurl';
export const TOKEN_PHONE = 'zzphone';

const EMAIL_RE = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"]+/giu;
// Seven or more digits with the usual separators: phone numbers, not order numbers like #48213.
const PHONE_RE = /(?:\+?\d[\d\s().-]{6,}\d)/g;
const DIGIT_RE = /\p{Nd}/gu;
const TOKEN_RE = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;
// Quoted earlier messages repeat the other side of the conversation, not the customer's intent.
const QUOTE_MARKERS = [/^-{2,}\s*original message\s*-{2,}/im, /^on .{4,80} wrote:\s*$/im, /^from: .*\nsent: /im];

/** Drops quoted replies ("> ..." lines and everything after an "On ... wrote:" marker). */
export function stripQuotedReply(text: string): string {
  let out = text;
  for (const re of QUOTE_MARKERS) {
    const m = re.exec(out);
    if (m && m.index > 0) out = out.slice(0, m.index);
  }
  return out
    .split('\n')
    .filter((line) => !/^\s*>/.test(line))
    .join('\n');
}

/** NFKC, lower case, placeholders for e-mails / URLs / phones, every digit to 0. */
export function normaliseText(text: string): string {
  // The cheap indexOf / test guards skip regexes that cannot match: this function runs on
  // every case in the stream and the unanchored e-mail and URL patterns are its main cost.
  let t = text.normalize('NFKC');
  if (t.indexOf('>') >= 0 || /wrote:|original message|\nsent: /i.test(t)) t = stripQuotedReply(t);
  t = t.toLowerCase();
  if (t.indexOf('@') >= 0) t = t.replace(EMAIL_RE, ` ${TOKEN_EMAIL} `);
  if (t.indexOf('http') >= 0 || t.indexOf('www.') >= 0) t = t.replace(URL_RE, ` ${TOKEN_URL} `);
  if (/\d/.test(t)) {
    t = t.replace(PHONE_RE, (m) => (m.replace(/\D/g, '').length >= 7 ? ` ${TOKEN_PHONE} ` : m)).replace(DIGIT_RE, '0');
  }
  return t;
}

export function tokenize(normalised: string, maxTokens = Number.POSITIVE_INFINITY): string[] {
  const out: string[] = [];
  TOKEN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN_RE.exec(normalised)) !== null && out.length < maxTokens) out.push(m[0].indexOf('’') >= 0 ? m[0].replace('’', "'") : m[0]);
  return out;
}

/** The text the model sees: subject and body joined, subject first. */
export function caseText(subject: string | undefined, body: string): string {
  return subject ? `${subject}\n${body}` : body;
}

/**
 * 32-bit FNV-1a over UTF-16 code units with a murmur3 finaliser: fast, non-cryptographic,
 * stable across platforms, and the finaliser spreads the low bits we mask into buckets.
 */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Distinct seeds per feature kind so that the word "abc" and the n-gram "abc" do not collide. */
const SEED_WORD = 0x1b873593;
const SEED_BIGRAM = 0x3c6ef372;
const SEED_CHAR = 0x2545f491;

export function bucketOf(text: string, seed: number, buckets: number): number {
  return hash32(text, seed) & (buckets - 1);
}

/** Bucket ids of one word: its unigram and its character n-grams. */
export function wordFeatureIds(word: string, settings: FeatureSettings): number[] {
  const ids = [bucketOf(word, SEED_WORD, settings.buckets)];
  if (settings.charNgramMin > 0 && word.length <= settings.charNgramMaxWordLength) {
    const marked = `<${word}>`;
    for (let n = settings.charNgramMin; n <= settings.charNgramMax; n++) {
      for (let i = 0; i + n <= marked.length; i++) {
        // The whole marked word as a gram duplicates the unigram; skip it.
        if (n === marked.length) continue;
        ids.push(bucketOf(marked.slice(i, i + n), SEED_CHAR, settings.buckets));
      }
    }
  }
  return ids;
}

/** Per-word hash that bigram ids are built from, so a bigram costs no string building. */
export function bigramWordHash(word: string): number {
  return hash32(word, SEED_BIGRAM);
}

/** Bucket of the bigram (a, b) from the two words' bigramWordHash values (order matters). */
export function bigramFromHashes(ha: number, hb: number, buckets: number): number {
  let h = (Math.imul(ha, 0x9e3779b1) ^ hb) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) & (buckets - 1);
}

export function bigramFeatureId(a: string, b: string, settings: FeatureSettings): number {
  return bigramFromHashes(bigramWordHash(a), bigramWordHash(b), settings.buckets);
}

/** All bucket ids of a case (with repeats: a bag, not a set). */
export function featureIds(subject: string | undefined, body: string, settings: FeatureSettings): Int32Array {
  const tokens = tokenize(normaliseText(caseText(subject, body)), settings.maxTokens);
  const ids: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    for (const id of wordFeatureIds(tokens[i], settings)) ids.push(id);
    if (settings.wordBigrams && i > 0) ids.push(bigramFeatureId(tokens[i - 1], tokens[i], settings));
  }
  return Int32Array.from(ids);
}

interface WordVector {
  vec: Float32Array;
  count: number;
  /** bigramWordHash of the word, cached with its vector. */
  bigramHash: number;
}

/**
 * Builds the bag vectors of a batch. Each distinct word's row sum (its unigram plus character
 * n-grams) is cached, so a case costs one vector add per word plus one row per bigram; the
 * result equals bagInto(featureIds(...)) up to float rounding.
 */
export function createReferenceBagBuilder(weights: ModelWeights, settings: FeatureSettings, cacheSize = 200_000) {
  const { bagDim } = weights.shape;
  if (bagDim % 4 !== 0) throw new Error(`bagDim must be a multiple of 4, got ${bagDim}`);
  const table = weights.table;
  const cache = new Map<string, WordVector>();
  const bigrams = settings.wordBigrams;
  const buckets = settings.buckets;
  const wordVector = (word: string): WordVector => {
    let wv = cache.get(word);
    if (wv) return wv;
    const ids = wordFeatureIds(word, settings);
    const vec = new Float32Array(bagDim);
    for (const id of ids) {
      const row = id * bagDim;
      for (let d = 0; d < bagDim; d++) vec[d] += table[row + d];
    }
    wv = { vec, count: ids.length, bigramHash: bigramWordHash(word) };
    // A simple bound rather than LRU: clearing is rare and the cache refills from hot words.
    if (cache.size >= cacheSize) cache.clear();
    cache.set(word, wv);
    return wv;
  };
  return (items: readonly { subject?: string; body: string }[]): Float32Array => {
    const out = new Float32Array(items.length * bagDim);
    for (let i = 0; i < items.length; i++) {
      const off = i * bagDim;
      const tokens = tokenize(normaliseText(caseText(items[i].subject, items[i].body ?? '')), settings.maxTokens);
      let count = 0;
      let prevHash = 0;
      const acc = out.subarray(off, off + bagDim);
      for (let t = 0; t < tokens.length; t++) {
        const wv = wordVector(tokens[t]);
        const v = wv.vec;
        count += wv.count;
        if (bigrams && t > 0) {
          // Word vector and bigram row added in one pass: one read-modify-write of acc.
          const row = bigramFromHashes(prevHash, wv.bigramHash, buckets) * bagDim;
          for (let d = 0; d < bagDim; d += 4) {
            acc[d] += v[d] + table[row + d];
            acc[d + 1] += v[d + 1] + table[row + d + 1];
            acc[d + 2] += v[d + 2] + table[row + d + 2];
            acc[d + 3] += v[d + 3] + table[row + d + 3];
          }
          count++;
        } else {
          for (let d = 0; d < bagDim; d++) acc[d] += v[d];
        }
        prevHash = wv.bigramHash;
      }
      if (count > 0) {
        const s = 1 / Math.sqrt(count);
        for (let d = 0; d < bagDim; d++) out[off + d] *= s;
      }
    }
    return out;
  };
}

