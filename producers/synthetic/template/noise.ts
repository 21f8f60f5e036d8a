/**
 * Surface noise applied after a case is written: typos, casing, dropped punctuation.
 * Real support text is messy; a model trained on clean templates over-trusts spelling.
 */
import type { Rng } from './prng';

const KEYBOARD_NEIGHBOURS: Record<string, string> = {
  a: 'qs', b: 'vn', c: 'xv', d: 'sf', e: 'wr', f: 'dg', g: 'fh', h: 'gj', i: 'uo', j: 'hk', k: 'jl', l: 'k',
  m: 'n', n: 'bm', o: 'ip', p: 'o', q: 'w', r: 'et', s: 'ad', t: 'ry', u: 'yi', v: 'cb', w: 'qe', x: 'zc', y: 'tu', z: 'x',
};

/** One typo in a word: swap, drop, double or a neighbouring key. */
export function typoWord(word: string, rng: Rng): string {
  if (word.length < 4) return word;
  const i = 1 + rng.int(word.length - 2);
  switch (rng.int(4)) {
    case 0:
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    case 1:
      return word.slice(0, i) + word.slice(i + 1);
    case 2:
      return word.slice(0, i) + word[i] + word.slice(i);
    default: {
      const options = KEYBOARD_NEIGHBOURS[word[i].toLowerCase()];
      return options ? word.slice(0, i) + options[rng.int(options.length)] + word.slice(i + 1) : word;
    }
  }
}

/** Introduce typos in roughly `rate` of the alphabetic words. */
export function addTypos(text: string, rate: number, rng: Rng): string {
  return text.replace(/[A-Za-z]{4,}/g, (w) => (rng.chance(rate) ? typoWord(w, rng) : w));
}

export function dropPunctuation(text: string): string {
  return text.replace(/[.,;:!?'](?=\s|$)/g, '').replace(/'/g, '');
}

export function lowerCase(text: string): string {
  return text.toLowerCase();
}

/** Angry shouting: upper-cases some sentences. */
export function shout(text: string, rng: Rng): string {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => (rng.chance(0.5) ? s.toUpperCase() : s))
    .join(' ');
}

export function textSpeak(text: string): string {
  return text
    .replace(/\byou\b/gi, 'u')
    .replace(/\bplease\b/gi, 'pls')
    .replace(/\bare\b/gi, 'r')
    .replace(/\bthanks\b/gi, 'thx')
    .replace(/\bbecause\b/gi, 'cos');
}
