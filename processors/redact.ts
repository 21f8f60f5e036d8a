/**
 * Personal-data redaction (DESIGN.md, "Guarantees"): e-mail addresses, phone numbers, payment
 * card numbers (Luhn-checked), IBANs (ISO 13616 mod-97 checked) and national identifiers are
 * replaced by a bracketed kind before any text reaches Postgres, a topic other than the case
 * topics, or a log line. Pure functions; no I/O.
 *
 * Checksums keep order numbers and tracking codes readable: a 16-digit order id that fails
 * Luhn is not a card, a string shaped like an IBAN that fails mod-97 is not an IBAN.
 */

export type PiiKind = 'email' | 'phone' | 'card' | 'iban' | 'national_id';

export interface Redaction {
  text: string;
  found: PiiKind[];
  counts: Partial<Record<PiiKind, number>>;
}

const EMAIL = /[A-Za-z0-9._%+-]+(?:\s*(?:@|\(at\)|\[at\])\s*)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

// IBAN: two letters, two check digits, 11–30 alphanumerics, optionally grouped by spaces.
const IBAN = /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b/gi;

// 13–19 digits, optionally grouped by spaces or dashes (card numbers as people type them).
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;

// National ids with a recognisable shape:
//  US SSN 123-45-6789; UK NI number AB 12 34 56 C; Spanish DNI/NIE 12345678Z / X1234567L;
//  French NIR (15 digits starting 1/2); Italian codice fiscale; Dutch BSN is 9 digits with no
//  shape of its own and is left to the phone/card rules. With each, the fewest digits a match
//  holds, the fewest of them inside one run of number characters, and what else a match needs
//  of the text (see profileOf): a pattern is skipped on a text that cannot hold a match.
const NATIONAL_IDS: { re: RegExp; minDigits: number; minRunDigits: number; needs?: 'letterDigit' | 'digitLetter' }[] = [
  { re: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g, minDigits: 9, minRunDigits: 9 },
  { re: /\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g, minDigits: 6, minRunDigits: 6 },
  { re: /\b[XYZ]?\d{7,8}[A-HJ-NP-TV-Z]\b/g, minDigits: 7, minRunDigits: 7, needs: 'digitLetter' },
  { re: /\b[12] ?\d{2} ?\d{2} ?\d{2} ?\d{3} ?\d{3} ?\d{2}\b/g, minDigits: 15, minRunDigits: 15 },
  { re: /\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b/gi, minDigits: 7, minRunDigits: 3, needs: 'letterDigit' },
];

// Phone numbers: an optional +country code, then 7–15 digits grouped by spaces, dots, dashes
// or parentheses. Checked afterwards for digit count so that dates and prices are left alone.
const PHONE = /(?:\+|\b00)?\(?\d{1,4}\)?(?:[ .\-\u00a0]?\(?\d{1,5}\)?){2,6}\d\b/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

export function ibanValid(raw: string): boolean {
  const s = raw.replace(/\s+/g, '').toUpperCase();
  if (s.length < 15 || s.length > 34 || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const v = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

function digitsOf(s: string): string {
  return s.replace(/\D/g, '');
}

function looksLikeDateOrTime(s: string): boolean {
  return /^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$/.test(s.trim()) || /^\d{1,2}:\d{2}/.test(s.trim());
}

const EMAIL_LOCAL_CHAR = /[A-Za-z0-9._%+-]/;

/** Whether a UTF-16 code unit is white space as the regex \s and String.prototype.trim read it. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function nextSeparator(s: string, from: number): number {
  let best = -1;
  for (const sep of ['@', '(at)', '[at]']) {
    const i = s.indexOf(sep, from);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/**
 * `text.replace(EMAIL, …)`, match for match, without trying the pattern at every character.
 * A match holds a separator (@, (at), [at]) preceded by optional white space and a run of
 * local-part characters, so none can start before that run: the search jumps there. Running the
 * pattern from each position of every word was the processor's costliest step after the model.
 */
function replaceEmails(text: string, onMatch: () => void): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (;;) {
    const sep = nextSeparator(text, from);
    if (sep < 0) break;
    let start = sep;
    while (start > from && isSpace(text.charCodeAt(start - 1))) start--;
    while (start > from && EMAIL_LOCAL_CHAR.test(text[start - 1])) start--;
    EMAIL.lastIndex = start;
    const m = EMAIL.exec(text);
    if (!m) break;
    out += `${text.slice(copied, m.index)}[EMAIL]`;
    onMatch();
    copied = from = m.index + m[0].length;
  }
  EMAIL.lastIndex = 0;
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * What the later patterns need of the input, in one pass. Redaction only ever removes digits and
 * letters, and what it puts in their place is a bracketed word ([CARD]), so the input bounds
 * what every later pattern can see: a pattern that needs more digits than the input holds, or a
 * letter right next to a digit where the input has none, cannot match and is skipped. Most case
 * texts carry a few digits at most, none glued to a letter, and the patterns cost more than
 * this scan.
 */
interface TextProfile {
  digits: number;
  /**
   * The most digits in one run of the characters phone numbers are written with (digits, space,
   * no-break space, + ( ) . -). Every digit group a card, phone, SSN, NIR, NI number or DNI match
   * holds lies in one such run, and a replacement ([CARD], ...) splits runs but never joins them.
   */
  runDigits: number;
  /** An ASCII letter directly followed by a digit ("AB12…": IBAN, codice fiscale). */
  letterDigit: boolean;
  /** A digit directly followed by an ASCII letter ("…5678Z": DNI/NIE). */
  digitLetter: boolean;
}

function profileOf(s: string): TextProfile {
  let digits = 0;
  let runDigits = 0;
  let run = 0;
  let letterDigit = false;
  let digitLetter = false;
  // 0: other, 1: ASCII letter, 2: digit (of the previous code unit).
  let prev = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      if (++run > runDigits) runDigits = run;
      if (prev === 1) letterDigit = true;
      prev = 2;
      continue;
    }
    // Separators of a number keep its run going: space + ( ) - . and U+00A0.
    if (!(c === 0x20 || c === 0x2b || c === 0x28 || c === 0x29 || c === 0x2d || c === 0x2e || c === 0xa0)) run = 0;
    if ((c | 0x20) >= 97 && (c | 0x20) <= 122) {
      if (prev === 2) digitLetter = true;
      prev = 1;
    } else prev = 0;
  }
  return { digits, runDigits, letterDigit, digitLetter };
}

// Fewest digits a match of each pattern holds (the phone rule keeps only matches of 7 or more);
// for cards and phones, all of them in one run (TextProfile.runDigits).
const IBAN_MIN_DIGITS = 2;
const CARD_MIN_DIGITS = 13;
const PHONE_MIN_DIGITS = 7;

/**
 * `allPatterns` runs every pattern on every text, without the shortcuts of profileOf: the
 * reference the tests compare with.
 */
export function redact(input: string, options: { allPatterns?: boolean } = {}): Redaction {
  const counts: Partial<Record<PiiKind, number>> = {};
  const bump = (k: PiiKind) => {
    counts[k] = (counts[k] ?? 0) + 1;
  };
  const profile: TextProfile = options.allPatterns ? { digits: Infinity, runDigits: Infinity, letterDigit: true, digitLetter: true } : profileOf(input);
  const { digits, runDigits } = profile;
  let text = input;
  text = replaceEmails(text, () => bump('email'));
  if (digits >= IBAN_MIN_DIGITS && profile.letterDigit) {
    text = text.replace(IBAN, (m) => {
      // The pattern is greedy and may take a following word ("... 00 now"); the longest prefix
      // that passes mod-97 is the IBAN.
      for (let end = m.length; end >= 15; end--) {
        if (m[end - 1] === ' ') continue;
        if (ibanValid(m.slice(0, end))) {
          bump('iban');
          return `[IBAN]${m.slice(end)}`;
        }
      }
      return m;
    });
  }
  if (runDigits >= CARD_MIN_DIGITS) {
    text = text.replace(CARD, (m) => {
      const d = digitsOf(m);
      if (d.length < 13 || d.length > 19 || !luhnValid(d)) return m;
      bump('card');
      return '[CARD]';
    });
  }
  for (const { re, minDigits, minRunDigits, needs } of NATIONAL_IDS) {
    if (digits < minDigits || runDigits < minRunDigits || (needs !== undefined && !profile[needs])) continue;
    text = text.replace(re, () => {
      bump('national_id');
      return '[NATIONAL_ID]';
    });
  }
  if (runDigits >= PHONE_MIN_DIGITS) {
    text = text.replace(PHONE, (m) => {
      const d = digitsOf(m);
      if (d.length < 7 || d.length > 15 || looksLikeDateOrTime(m)) return m;
      // A bare run of digits without a + or a separator is more often an order number than a phone.
      if (!/[+\s.\-()]/.test(m) && d.length < 10) return m;
      bump('phone');
      return '[PHONE]';
    });
  }
  const found = (Object.keys(counts) as PiiKind[]).sort();
  return { text, found, counts };
}

/**
 * The first `limit` characters of text.replace(/\s+/g, ' ').trim(), in one pass that copies
 * whole words and stops as soon as it has them (the excerpt of a long text needs only its start).
 */
function flattenPrefix(text: string, limit: number): string {
  // Usually the prefix is already flat (words separated by single spaces): then it is a slice of
  // the text, found without building a string. Anything else takes the word-by-word copy.
  const n = text.length;
  let i = 0;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  const start = i;
  for (let len = 0; i < n && len < limit; i++, len++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 ? i + 1 >= n || isSpace(text.charCodeAt(i + 1)) : isSpace(c)) return flattenWords(text, limit);
  }
  return text.slice(start, i);
}

/** flattenPrefix for any text: copies whole words, and stops as soon as it has enough. */
function flattenWords(text: string, limit: number): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n && out.length < limit) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(text.charCodeAt(i))) i++;
    out += out.length === 0 ? text.slice(start, i) : ` ${text.slice(start, i)}`;
  }
  return out.length > limit ? out.slice(0, limit) : out;
}

/** The start of a redacted text for storage, cut at a word boundary where one is near. */
export function excerpt(redactedText: string, maxChars = 280): string {
  // Only the first maxChars + 1 characters of the flattened text decide the result.
  const flat = flattenPrefix(redactedText, maxChars + 1);
  if (flat.length <= maxChars) return flat;
  const cut = flat.lastIndexOf(' ', maxChars);
  return `${flat.slice(0, cut > maxChars * 0.6 ? cut : maxChars)}…`;
}
