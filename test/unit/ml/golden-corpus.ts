/**
 * A fixed, varied set of case texts for the feature and classifier golden tests: every
 * hand-written file in data/ plus synthetic edge cases (empty-ish, unicode, emoji, very long,
 * mixed scripts, words at the n-gram length limits) and seeded random strings. Deterministic:
 * the same list on every run and machine.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface GoldenCase {
  subject?: string;
  body: string;
}

/**
 * The files and how many of their lines the pinned digests were computed over: the data files
 * grow (hand-written training cases are added for new models), the golden corpus does not.
 */
const DATA_FILES: [string, number][] = [
  ['data/devset/devset.jsonl', 615],
  ['data/samples/real-cases.jsonl', 60],
  ['data/train/handwritten.jsonl', 1754],
];

function readJsonl([file, maxLines]: [string, number]): GoldenCase[] {
  const text = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', file), 'utf8');
  const out: GoldenCase[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (out.length >= maxLines) break;
    if (!line.trim()) continue;
    const o = JSON.parse(line) as { subject?: unknown; text?: unknown; body?: unknown };
    const body = typeof o.text === 'string' ? o.text : typeof o.body === 'string' ? o.body : '';
    out.push({ subject: typeof o.subject === 'string' ? o.subject : undefined, body });
  }
  return out;
}

/** xorshift32: enough to spread the random cases, and fixed for a seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const POOL = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ...'     \n\t.,;:!?-_\'’"()[]<>@#%&*/+=',
  ...'éèêëàâäôöûüçñßøåæœÉÀÇÑÖÜİıŞşĞğ',
  ...'ΣσςαβγδΑΒΓ',
  ...'абвгдежзийклмнопрстуфхцчшщъыьэюяАБВГД',
  ...'日本語中文한국어',
  ...'العربيةעבריתहिन्दी',
  ...'ﬁﬂＡＢＣａｂｃ１２３①②',
  '\u0301',
  '\u200d',
  '\u00a0',
  '😀',
  '👍🏽',
  '👨‍👩‍👧',
  '𝐀𝐁𝐂',
  '𐐀𐐁',
  '\ud800',
  '\udc00',
  '@',
  '@',
];

function randomText(next: () => number, maxLen: number): string {
  const len = Math.floor(next() * maxLen);
  let s = '';
  for (let i = 0; i < len; i++) s += POOL[Math.floor(next() * POOL.length)];
  return s;
}

function edgeCases(): GoldenCase[] {
  const words = (n: number, w: string): string => Array.from({ length: n }, (_, i) => `${w}${i % 7}`).join(' ');
  const bodies = [
    '',
    ' ',
    '\n\n\t ',
    'a',
    'ab',
    'abc',
    'abcd',
    'I',
    '!!!???...',
    "don't won’t it's rock'n'roll o'",
    'x'.repeat(23),
    'y'.repeat(24),
    'z'.repeat(25),
    'w'.repeat(5000),
    words(2000, 'delete'),
    'Please DELETE my data — now! ünïcödé 😀 words words',
    'ＤＥＬＥＴＥ ﬁle ① ２０２４',
    'İstanbul İİİ ΣΟΦΟΣ ΟΔΟΣ straße STRASSE',
    'Löschen Sie bitte meine Daten. Supprimez mes données. Удалите мои данные. 私のデータを削除してください。 احذف بياناتي',
    'mixedСкрипт日本語word αβγdelete',
    '😀😀😀 👍🏽👍🏽 👨‍👩‍👧 🏳️‍🌈',
    '𝐃𝐄𝐋𝐄𝐓𝐄 𐐀𐐁𐐂 𝓭𝓪𝓽𝓪',
    'e\u0301 e\u0301e\u0301e\u0301 cafe\u0301',
    'lone \ud800 surrogate \udc00 here',
    'mail me at Jane.Doe@example.com or https://x.example/a?b=1 or www.example.org, call +44 7700 900123, order #48213',
    'Please delete my data.\n\nOn Mon, 3 Mar 2026 at 10:14, Support <s@x.example> wrote:\n> how can we help',
    'hi\n> quoted line\nbye',
    '-----Original Message-----\nFrom: a\nSent: b',
    'From: someone\nSent: yesterday\nplease stop',
    'tab\tseparated\tvalues\r\nwindows line\r\nend',
    '1234567 12 34 56 78 (555) 010-0100 +1-555-0100',
    "'leading ’apostrophes trailing' ’",
    'a@b@c.com x.@y..com ü@ß.de 𝐚@𝐛.𝐜𝐝 @@@ a@b.c jane@ex.com,bob@ex.org <jane_doe+tag%x@mail-1.example.co.uk>',
    'user@😀.com 😀user@example.com user@example.😀 a\ud800@b.com x@y.z\udc00w ab@cd.ef@gh.ij',
    '@start and end@ and 12@34.56 and a@b.cd. and ...@example.com and me@@example.com',
  ];
  const out: GoldenCase[] = bodies.map((body) => ({ body }));
  out.push({ subject: '', body: 'empty subject' });
  out.push({ subject: 'Subject only', body: '' });
  out.push({ subject: 'DSAR — Article 15 😀', body: 'Please send a copy of my data.' });
  return out;
}

export function goldenCorpus(): GoldenCase[] {
  const out = DATA_FILES.flatMap(readJsonl);
  out.push(...edgeCases());
  const next = rng(20261129);
  for (let i = 0; i < 400; i++) out.push({ subject: i % 5 === 0 ? randomText(next, 40) : undefined, body: randomText(next, i % 50 === 0 ? 4000 : 300) });
  return out;
}
