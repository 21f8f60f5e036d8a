/**
 * Quality and diversity of a batch, pure: exact and near-duplicate detection (MinHash over word
 * 3-shingles with LSH banding, seeded), distinct-1/2, a zlib compression ratio, and what each
 * style dimension achieved beside its target.
 */
import { deflateSync } from 'node:zlib';
import { createRng, deriveSeed, hash32 } from './rng';
import type { Dimension, PlannedCounts } from './targets';
import type { Candidate } from './types';
import { customerBody } from './types';

export function normalise(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function tokens(text: string): string[] {
  const n = normalise(text);
  return n ? n.split(' ') : [];
}

/** Word k-shingles; a text shorter than k words is one shingle. */
export function shingles(text: string, k = 3): string[] {
  const t = tokens(text);
  if (t.length <= k) return [t.join(' ')];
  const out = new Set<string>();
  for (let i = 0; i + k <= t.length; i++) out.add(t.slice(i, i + k).join(' '));
  return [...out];
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function createMinHasher(numHashes: number, seed: number): (shingleList: readonly string[]) => Uint32Array {
  const rng = createRng(deriveSeed(seed, 'minhash'));
  const salts = Array.from({ length: numHashes }, () => Math.floor(rng.next() * 0xffffffff) >>> 0);
  return (list) => {
    const sig = new Uint32Array(numHashes).fill(0xffffffff);
    for (const s of list) {
      const base = hash32(s);
      for (let i = 0; i < numHashes; i++) {
        const h = fmix32(base ^ salts[i]);
        if (h < sig[i]) sig[i] = h;
      }
    }
    return sig;
  };
}

export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

export type DedupVerdict = { duplicate: false } | { duplicate: true; kind: 'exact' | 'near'; of: string; similarity: number };

export interface DedupIndex {
  /** Checks a text against everything added; adds it (under `key`) when it is not a duplicate. */
  offer(text: string, key: string): DedupVerdict;
  size(): number;
}

/**
 * 128 hashes in 16 bands of 8 rows: pairs at Jaccard 0.9 share a band with probability > 0.99,
 * pairs at 0.5 rarely; each candidate is then checked on its full signature.
 */
export function createDedupIndex(opts: { threshold: number; seed: number; numHashes?: number; bands?: number }): DedupIndex {
  const numHashes = opts.numHashes ?? 128;
  const bands = opts.bands ?? 16;
  const rows = Math.floor(numHashes / bands);
  const minhash = createMinHasher(numHashes, opts.seed);
  const exact = new Map<string, string>();
  const buckets = new Map<string, number[]>();
  const sigs: Uint32Array[] = [];
  const keys: string[] = [];
  return {
    size: () => keys.length,
    offer(text, key) {
      const norm = normalise(text);
      const same = exact.get(norm);
      if (same !== undefined) return { duplicate: true, kind: 'exact', of: same, similarity: 1 };
      const sig = minhash(shingles(text));
      const bandKeys: string[] = [];
      let best: { of: string; similarity: number } | undefined;
      const seen = new Set<number>();
      for (let b = 0; b < bands; b++) {
        const bk = `${b}:${Array.from(sig.subarray(b * rows, (b + 1) * rows)).join(',')}`;
        bandKeys.push(bk);
        for (const idx of buckets.get(bk) ?? []) {
          if (seen.has(idx)) continue;
          seen.add(idx);
          const sim = estimateJaccard(sig, sigs[idx]);
          if (sim >= opts.threshold && (!best || sim > best.similarity)) best = { of: keys[idx], similarity: sim };
        }
      }
      if (best) return { duplicate: true, kind: 'near', ...best };
      const idx = keys.length;
      keys.push(key);
      sigs.push(sig);
      exact.set(norm, key);
      for (const bk of bandKeys) {
        const list = buckets.get(bk);
        if (list) list.push(idx);
        else buckets.set(bk, [idx]);
      }
      return { duplicate: false };
    },
  };
}

/** Distinct n-grams over all n-grams of the texts (Li et al. 2016): 1 = nothing repeats. */
export function distinctN(texts: readonly string[], n: number): number {
  const seen = new Set<string>();
  let total = 0;
  for (const text of texts) {
    const t = tokens(text);
    for (let i = 0; i + n <= t.length; i++) {
      seen.add(t.slice(i, i + n).join(' '));
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
}

/** Size of the texts over their zlib-compressed size: higher means more repetition, less diversity. */
export function compressionRatio(texts: readonly string[]): number {
  const raw = Buffer.from(texts.join('\n'), 'utf8');
  if (raw.length === 0) return 0;
  return raw.length / deflateSync(raw, { level: 9 }).length;
}

/** The difficulty a kept case has: the one it was asked for, or what the template generator tagged. */
export function difficultyOf(c: Candidate): string {
  const tags = c.draft?.tags ?? [];
  const asked = tags.find((t) => t.startsWith('difficulty:'));
  if (asked) return asked.slice('difficulty:'.length);
  if (tags.includes('adversarial_injection')) return 'prompt_injection';
  if (tags.includes('mixed_intent') || tags.includes('hard_negative')) return 'mixed_intent';
  if (tags.includes('noise:typos')) return 'typos';
  return 'none';
}

export function valueOf(c: Candidate, dim: Dimension): string {
  const d = c.draft!;
  switch (dim) {
    case 'intents':
      return c.spec.intent;
    case 'personas':
      return d.style.persona;
    case 'tones':
      return d.style.tone;
    case 'lengths':
      return d.style.length;
    case 'channels':
      return d.channel;
    case 'languages':
      return d.language;
    case 'difficulties':
      return difficultyOf(c);
    case 'shapes':
      return d.turns.length > 1 ? 'conversation' : 'message';
  }
}

export interface DimensionReport {
  target: Record<string, number>;
  achieved: Record<string, number>;
  /** Largest gap between a value's target share and its achieved share (0 = on target). */
  max_share_gap: number;
}

export function achievedVsTarget(kept: readonly Candidate[], planned: PlannedCounts): Record<Dimension, DimensionReport> {
  const out = {} as Record<Dimension, DimensionReport>;
  for (const dim of Object.keys(planned) as Dimension[]) {
    const achieved: Record<string, number> = {};
    for (const k of Object.keys(planned[dim])) achieved[k] = 0;
    for (const c of kept) {
      const v = valueOf(c, dim);
      achieved[v] = (achieved[v] ?? 0) + 1;
    }
    const tTotal = Object.values(planned[dim]).reduce((a, b) => a + b, 0) || 1;
    const aTotal = kept.length || 1;
    let gap = 0;
    for (const k of new Set([...Object.keys(planned[dim]), ...Object.keys(achieved)])) {
      gap = Math.max(gap, Math.abs((planned[dim][k] ?? 0) / tTotal - (achieved[k] ?? 0) / aTotal));
    }
    out[dim] = { target: planned[dim], achieved, max_share_gap: Number(gap.toFixed(4)) };
  }
  return out;
}

export interface DiversityMetrics {
  distinct_1: number;
  distinct_2: number;
  compression_ratio: number;
  mean_body_chars: number;
  exact_duplicates: number;
  near_duplicates: number;
}

export function diversityMetrics(kept: readonly Candidate[], duplicates: { exact: number; near: number }): DiversityMetrics {
  const bodies = kept.map((c) => customerBody(c.draft!.turns));
  const r = (x: number) => Number(x.toFixed(4));
  return {
    distinct_1: r(distinctN(bodies, 1)),
    distinct_2: r(distinctN(bodies, 2)),
    compression_ratio: r(compressionRatio(bodies)),
    mean_body_chars: bodies.length ? Math.round(bodies.reduce((s, b) => s + b.length, 0) / bodies.length) : 0,
    exact_duplicates: duplicates.exact,
    near_duplicates: duplicates.near,
  };
}
