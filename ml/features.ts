/**
 * Text features: normalisation, tokenisation and hashed n-gram bucket ids (the "hashing
 * trick"), so the model needs no vocabulary file and never meets an out-of-vocabulary word.
 * Everything here is a pure function of (text, settings); the settings are saved with the
 * model (features.json) and a model must be served with the settings it was trained with.
 */

export interface FeatureSettings {
  /** Schema version of these settings; bump when the feature function changes meaning. */
  version: 1;
  /** Number of hash buckets (rows of the embedding table); a power of two. */
  buckets: number;
  /** Word bigrams in addition to unigrams. */
  wordBigrams: boolean;
  /** Character n-grams of `<word>` (with boundary marks), inclusive range. 0 disables. */
  charNgramMin: number;
  charNgramMax: number;
  /** Words longer than this are not split into character n-grams (ids, hashes, garbage). */
  charNgramMaxWordLength: number;
  /** Only the first maxTokens tokens count: the request is almost always near the top. */
  maxTokens: number;
}

export const DEFAULT_FEATURE_SETTINGS: Readonly<FeatureSettings> = Object.freeze({
  version: 1,
  buckets: 1 << 17,
  wordBigrams: true,
  charNgramMin: 3,
  charNgramMax: 5,
  charNgramMaxWordLength: 24,
  maxTokens: 256,
});

/** Placeholder tokens. Letters only, so the tokeniser keeps them whole. */
export const TOKEN_EMAIL = 'zzemail';
export const TOKEN_URL = 'zzurl';
export const TOKEN_PHONE = 'zzphone';

const EMAIL_RE = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"]+/giu;
// Seven or more digits with the usual separators: phone numbers, not order numbers like #48213.
const PHONE_RE = /(?:\+?\d[\d\s().-]{6,}\d)/g;
const DIGIT_RE = /\p{Nd}/gu;
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

/**
 * t.replace(EMAIL_RE, placeholder), with the regex run only on the stretches around each '@'.
 * EMAIL_RE has no anchors, lookarounds or \b and matches only letters, digits, '@' and
 * ._%+-, so every match lies inside one maximal run of those characters that holds an '@', and
 * the regex finds the same matches in that run alone as in the whole text; scanning the whole
 * text made it try (and backtrack through) every word.
 */
function replaceEmails(t: string): string {
  const inRun = (c: number): boolean => c === 0x40 || c === 0x2e || c === 0x5f || c === 0x25 || c === 0x2b || c === 0x2d || (bmpClass(c) & CLASS_LN) !== 0;
  const n = t.length;
  let out = '';
  let last = 0;
  for (let at = t.indexOf('@'); at >= 0; at = t.indexOf('@', at)) {
    let a = at;
    while (a > last) {
      const c = t.charCodeAt(a - 1);
      if (c >= 0xdc00 && c <= 0xdfff && a - 2 >= last) {
        const hi = t.charCodeAt(a - 2);
        if (hi >= 0xd800 && hi <= 0xdbff) {
          if ((astralClass(((hi - 0xd800) << 10) + (c - 0xdc00) + 0x10000) & CLASS_LN) === 0) break;
          a -= 2;
          continue;
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) break;
      if (!inRun(c)) break;
      a--;
    }
    let b = at + 1;
    while (b < n) {
      const c = t.charCodeAt(b);
      if (c >= 0xd800 && c <= 0xdbff && b + 1 < n) {
        const lo = t.charCodeAt(b + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          if ((astralClass(((c - 0xd800) << 10) + (lo - 0xdc00) + 0x10000) & CLASS_LN) === 0) break;
          b += 2;
          continue;
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) break;
      if (!inRun(c)) break;
      b++;
    }
    out += t.slice(last, a) + t.slice(a, b).replace(EMAIL_RE, ` ${TOKEN_EMAIL} `);
    last = b;
    at = b;
  }
  return out + t.slice(last);
}

/** NFKC, lower case, placeholders for e-mails / URLs / phones, every digit to 0. */
export function normaliseText(text: string): string {
  // The cheap indexOf / test guards skip regexes that cannot match: this function runs on
  // every case in the stream and the unanchored e-mail and URL patterns are its main cost.
  let t = text.normalize('NFKC');
  if (t.indexOf('>') >= 0 || /wrote:|original message|\nsent: /i.test(t)) t = stripQuotedReply(t);
  t = t.toLowerCase();
  if (t.indexOf('@') >= 0) t = replaceEmails(t);
  if (t.indexOf('http') >= 0 || t.indexOf('www.') >= 0) t = t.replace(URL_RE, ` ${TOKEN_URL} `);
  if (/\d/.test(t)) {
    t = t.replace(PHONE_RE, (m) => (m.replace(/\D/g, '').length >= 7 ? ` ${TOKEN_PHONE} ` : m)).replace(DIGIT_RE, '0');
  }
  return t;
}

/** Distinct seeds per feature kind so that the word "abc" and the n-gram "abc" do not collide. */
const SEED_WORD = 0x1b873593;
const SEED_BIGRAM = 0x3c6ef372;
const SEED_CHAR = 0x2545f491;

/**
 * A token is what TOKEN_RE = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu matches, the definition the
 * released models were trained with (kept in test/unit/ml/reference-features.ts): a run of
 * letters and digits, optionally an apostrophe and a run of letters. Bit flags of a code
 * point for it: \p{L} and \p{N}.
 */
const CLASS_L = 1;
const CLASS_N = 2;
const CLASS_LN = CLASS_L | CLASS_N;
const IS_L = /^\p{L}$/u;
const IS_N = /^\p{N}$/u;
const astralClasses = new Map<number, number>();

function classifyCodePoint(cp: number): number {
  const ch = String.fromCodePoint(cp);
  return (IS_L.test(ch) ? CLASS_L : 0) | (IS_N.test(ch) ? CLASS_N : 0);
}

const UNKNOWN_CLASS = 0xff;
/** Classes of BMP code units, filled on first sight; UNKNOWN_CLASS until then. */
const bmpClasses = new Uint8Array(0x10000).fill(UNKNOWN_CLASS);

/**
 * The classes come from the regex engine itself (one test per code point, once per process),
 * so the scanner below splits text exactly where TOKEN_RE does, in whatever Unicode version
 * the runtime implements.
 */
function bmpClass(c: number): number {
  const k = bmpClasses[c];
  return k !== UNKNOWN_CLASS ? k : (bmpClasses[c] = classifyCodePoint(c));
}

function astralClass(cp: number): number {
  let k = astralClasses.get(cp);
  if (k === undefined) {
    k = classifyCodePoint(cp);
    astralClasses.set(cp, k);
  }
  return k;
}

const APOSTROPHE = 0x27;
const RIGHT_QUOTE = 0x2019;
const FNV_PRIME = 0x01000193;

/** Token boundaries of a normalised text, with each token's bigramWordHash; reused buffers. */
export interface TokenSpans {
  count: number;
  /** UTF-16 offsets into the normalised text: token k is text.slice(start[k], end[k]). */
  start: Int32Array;
  end: Int32Array;
  /** bigramWordHash of token k (with ’ read as '), computed while scanning. */
  hash: Uint32Array;
}

/**
 * A single pass over the char codes that finds the same tokens as TOKEN_RE (a run of letters
 * and digits, optionally an apostrophe and a run of letters) without allocating a match or a
 * string per token. The returned spans are overwritten by the next call of the same scanner.
 */
export function createTokenScanner(): (normalised: string, maxTokens: number) => TokenSpans {
  const spans: TokenSpans = { count: 0, start: new Int32Array(64), end: new Int32Array(64), hash: new Uint32Array(64) };
  const grow = (): void => {
    const n = spans.start.length * 2;
    const start = new Int32Array(n);
    const end = new Int32Array(n);
    const hash = new Uint32Array(n);
    start.set(spans.start);
    end.set(spans.end);
    hash.set(spans.hash);
    spans.start = start;
    spans.end = end;
    spans.hash = hash;
  };
  return (text, maxTokens) => {
    const n = text.length;
    let count = 0;
    let i = 0;
    // k is classAt(text, i): the class bits of the code point at i and its width in code units.
    while (i < n && count < maxTokens) {
      let k = classAt(text, i, n);
      if ((k & CLASS_LN) === 0) {
        i += k >> WIDTH_SHIFT;
        continue;
      }
      const start = i;
      let h = SEED_BIGRAM >>> 0;
      do {
        h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
        if (k >> WIDTH_SHIFT === 2) h = Math.imul(h ^ text.charCodeAt(i + 1), FNV_PRIME);
        i += k >> WIDTH_SHIFT;
        if (i >= n) break;
        k = classAt(text, i, n);
      } while ((k & CLASS_LN) !== 0);
      if (i + 1 < n) {
        const q = text.charCodeAt(i);
        if (q === APOSTROPHE || q === RIGHT_QUOTE) {
          k = classAt(text, i + 1, n);
          if ((k & CLASS_L) !== 0) {
            h = Math.imul(h ^ APOSTROPHE, FNV_PRIME);
            i++;
            do {
              h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
              if (k >> WIDTH_SHIFT === 2) h = Math.imul(h ^ text.charCodeAt(i + 1), FNV_PRIME);
              i += k >> WIDTH_SHIFT;
              if (i >= n) break;
              k = classAt(text, i, n);
            } while ((k & CLASS_L) !== 0);
          }
        }
      }
      if (count === spans.start.length) grow();
      spans.start[count] = start;
      spans.end[count] = i;
      spans.hash[count] = fmix32(h);
      count++;
    }
    spans.count = count;
    return spans;
  };
}

const WIDTH_SHIFT = 8;
const WIDTH_1 = 1 << WIDTH_SHIFT;
const WIDTH_2 = 2 << WIDTH_SHIFT;

/**
 * The class bits of the code point at j, as the /u regex reads it, plus its width in code units
 * shifted by WIDTH_SHIFT: a valid surrogate pair is one astral code point (width 2), a lone
 * surrogate is its own code point with no class. A pure function of its arguments, so the
 * scanner keeps its state in locals (a closure writing captured variables was most of its time).
 */
function classAt(text: string, j: number, n: number): number {
  const c = text.charCodeAt(j);
  if (c < 0xd800 || c > 0xdbff || j + 1 >= n) return bmpClass(c) | WIDTH_1;
  const d = text.charCodeAt(j + 1);
  if (d < 0xdc00 || d > 0xdfff) return bmpClass(c) | WIDTH_1;
  return astralClass(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000) | WIDTH_2;
}

/** The token string of a span: the text with a right single quote read as an apostrophe. */
export function tokenAt(normalised: string, start: number, end: number): string {
  const w = normalised.slice(start, end);
  return w.indexOf('’') >= 0 ? w.replace('’', "'") : w;
}

const scanShared = createTokenScanner();

export function tokenize(normalised: string, maxTokens = Number.POSITIVE_INFINITY): string[] {
  const spans = scanShared(normalised, maxTokens);
  const out = new Array<string>(spans.count);
  for (let k = 0; k < spans.count; k++) out[k] = tokenAt(normalised, spans.start[k], spans.end[k]);
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
    h = Math.imul(h, FNV_PRIME);
  }
  return fmix32(h);
}

/** The murmur3 finaliser of hash32, applied to an FNV-1a state. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function bucketOf(text: string, seed: number, buckets: number): number {
  return hash32(text, seed) & (buckets - 1);
}

/** Bucket ids of one word: its unigram and its character n-grams. */
export function wordFeatureIds(word: string, settings: FeatureSettings): number[] {
  const ids: number[] = [];
  pushWordFeatureIds(word, settings, ids);
  return ids;
}

/**
 * Appends the ids of wordFeatureIds(word) to out. The n-grams of `<word>` are hashed straight
 * from the char codes (the marks read as '<' and '>'), so no gram string is built.
 */
export function pushWordFeatureIds(word: string, settings: FeatureSettings, out: number[]): void {
  const mask = settings.buckets - 1;
  out.push(bucketOf(word, SEED_WORD, settings.buckets));
  if (settings.charNgramMin <= 0 || word.length > settings.charNgramMaxWordLength) return;
  const marked = word.length + 2;
  for (let n = settings.charNgramMin; n <= settings.charNgramMax; n++) {
    // The whole marked word as a gram duplicates the unigram; skip it.
    if (n === marked) continue;
    for (let i = 0; i + n <= marked; i++) {
      let h = SEED_CHAR >>> 0;
      for (let j = i; j < i + n; j++) {
        h ^= j === 0 ? 0x3c : j === marked - 1 ? 0x3e : word.charCodeAt(j - 1);
        h = Math.imul(h, FNV_PRIME);
      }
      out.push(fmix32(h) & mask);
    }
  }
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
  let prev = 0;
  for (let i = 0; i < tokens.length; i++) {
    pushWordFeatureIds(tokens[i], settings, ids);
    const h = bigramWordHash(tokens[i]);
    if (settings.wordBigrams && i > 0) ids.push(bigramFromHashes(prev, h, settings.buckets));
    prev = h;
  }
  return Int32Array.from(ids);
}

export function validateFeatureSettings(s: FeatureSettings): FeatureSettings {
  const problems: string[] = [];
  if (s.version !== 1) problems.push(`version must be 1, got ${String(s.version)}`);
  if (!Number.isInteger(s.buckets) || s.buckets < 2 || (s.buckets & (s.buckets - 1)) !== 0) problems.push(`buckets must be a power of two, got ${s.buckets}`);
  if (s.charNgramMin < 0 || s.charNgramMax < s.charNgramMin) problems.push('charNgramMin..charNgramMax is not a valid range');
  if (!(s.maxTokens > 0)) problems.push('maxTokens must be positive');
  if (problems.length) throw new Error(`invalid feature settings: ${problems.join('; ')}`);
  return s;
}
