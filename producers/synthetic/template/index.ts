/**
 * The built-in template generator: a grammar over intent x persona x channel x tone x length
 * x noise that writes labelled support cases for all nine intents. Pure and deterministic for
 * a seed, so a synthetic batch can be regenerated from its (generator, version, seed).
 */
import { createHash } from 'crypto';
import { CHANNELS, INTENTS, NOT_PRIVACY, type Channel, type Intent } from '../../../lib/taxonomy';
import {
  CLOSERS, CORES, DOMAINS, FILLERS, FORM_TOPICS, GREETINGS, INJECTIONS, LENGTHS, OPENERS, PERSONAS, QUOTED_REPLIES,
  SIGNATURES, SLOTS, STORIES, SUBJECTS, TONES,
} from './grammar';
import { addTypos, dropPunctuation, lowerCase, shout, textSpeak } from './noise';
import { createRng, type Rng } from './prng';

export const GENERATOR_NAME = 'pcc-template';
export const GENERATOR_VERSION = '1.0.0';

export interface GeneratedCase {
  case_id: string;
  channel: Channel;
  language: string;
  subject?: string;
  body: string;
  ground_truth_intent: Intent;
  tags: string[];
  template_id: string;
  persona: string;
  tone: string;
  length: string;
  domain: string;
  seed: number;
}

export interface GenerateOptions {
  count: number;
  seed: number;
  /** Restrict to these intents (default: all nine). */
  intents?: readonly Intent[];
  /** Relative weight per intent; missing intents get weight 1. not_privacy defaults to 2.5 (real traffic is mostly not privacy). */
  mix?: Partial<Record<Intent, number>>;
  /** Share of privacy cases prefixed with a non-privacy story (default 0.2). */
  mixedShare?: number;
}

/** sha256 of the grammar data: changes exactly when the templates do. */
export const TEMPLATE_HASH: string = createHash('sha256')
  .update(JSON.stringify({ SLOTS, CORES, STORIES, GREETINGS, OPENERS, CLOSERS, SUBJECTS, FORM_TOPICS, SIGNATURES, QUOTED_REPLIES, DOMAINS, FILLERS, INJECTIONS }))
  .digest('hex');

const MAX_EXPANSION_DEPTH = 8;

/** Expands `{slot}` and `{slot?}` references recursively. */
export function expand(template: string, rng: Rng, depth = 0): string {
  if (depth > MAX_EXPANSION_DEPTH) throw new Error(`template expansion too deep: ${template}`);
  return template.replace(/\{([a-z_0-9]+)(\?)?\}/g, (_m, name: string, optional?: string) => {
    const options = SLOTS[name];
    if (!options) throw new Error(`unknown template slot: ${name}`);
    if (optional && rng.chance(0.5)) return '';
    return expand(rng.pick(options), rng, depth + 1);
  });
}

function tidy(text: string): string {
  return text
    .replace(/[ \t]+/g, ' ')
    .replace(/ +([.,?!:;])/g, '$1')
    .replace(/([.?!]){2,}/g, '$1')
    .replace(/\n /g, '\n')
    .trim();
}

function capitalise(s: string): string {
  return s.length ? s[0].toUpperCase() + s.slice(1) : s;
}

function sentence(s: string): string {
  const t = tidy(s);
  if (!t) return t;
  return /[.?!]$/.test(t) ? capitalise(t) : capitalise(t) + '.';
}

function pickIntent(rng: Rng, intents: readonly Intent[], mix: Partial<Record<Intent, number>>): Intent {
  const weights = intents.map((i) => mix[i] ?? (i === NOT_PRIVACY ? 2.5 : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rng.next() * total;
  for (let k = 0; k < intents.length; k++) {
    r -= weights[k];
    if (r < 0) return intents[k];
  }
  return intents[intents.length - 1];
}

interface Parts {
  core: string;
  story?: string;
  opener: string;
  fillers: string[];
  closer: string;
}

function render(channel: Channel, parts: Parts, tone: string, rng: Rng, tags: string[]): { subject?: string; body: string } {
  const sentences = [parts.story, parts.core].filter((s): s is string => !!s).map(sentence);
  if (parts.story) {
    // Connective between the story and the request, as people write it.
    const glue = rng.pick(['Also,', 'Anyway,', 'On top of that,', 'Separately,', 'And', 'Because of this,', 'So', '']);
    if (glue) sentences[1] = `${glue} ${sentences[1][0].toLowerCase()}${sentences[1].slice(1)}`;
  }
  const fillers = parts.fillers.map(sentence);
  const opener = parts.opener ? sentence(parts.opener) : '';
  const closer = parts.closer ? sentence(parts.closer) : '';
  switch (channel) {
    case 'chat': {
      const lines = [...(rng.chance(0.4) ? [rng.pick(['hi', 'hello', 'hey', 'hi there', 'good evening'])] : []), ...sentences, ...fillers.slice(0, 1)];
      const body = rng.chance(0.5) ? lines.join('\n') : lines.join(' ');
      return { body };
    }
    case 'phone_transcript': {
      const agent = rng.pick(['Agent', 'Rep', 'AGENT', 'Operator']);
      const cust = rng.pick(['Customer', 'Caller', 'CUSTOMER', 'Cust']);
      const lines = [
        `${agent}: ${rng.pick(['Thanks for calling, how can I help?', 'Good morning, you are through to customer services, how can I help today?', 'Hello, who am I speaking with?', 'Thank you for holding. What can I do for you?'])}`,
        `${cust}: ${rng.pick(['Hi, yeah, um', 'Hello. So', 'Hi. Right, so', 'Yes hello,'])} ${[opener, ...sentences].filter(Boolean).join(' ')}`,
      ];
      if (fillers.length) lines.push(`${agent}: ${rng.pick(['Okay.', 'I see.', 'Right, I understand.', 'Mm-hm.'])}`, `${cust}: ${fillers.join(' ')}`);
      lines.push(`${agent}: ${rng.pick(['Let me look into that for you.', 'Okay, I can help with that.', 'I will raise that now.', 'Let me check what I can do.'])}`);
      return { body: lines.join('\n') };
    }
    case 'form': {
      const body = [`${rng.pick(['Topic', 'Category', 'Request type', 'Subject'])}: ${rng.pick(FORM_TOPICS)}`, `${rng.pick(['Name', 'Full name'])}: ${expand('{first} {last}', rng)}`, `${rng.pick(['Email', 'E-mail'])}: ${expand('{email_addr}', rng)}`, `${rng.pick(['Message', 'Details', 'Description', 'Your message'])}: ${[opener, ...sentences, ...fillers].filter(Boolean).join(' ')}`].join('\n');
      return { body };
    }
    case 'ticket': {
      const body = [opener, ...sentences, ...fillers, closer].filter(Boolean).join(' ');
      return { body };
    }
    case 'email':
    default: {
      const greeting = rng.pick(GREETINGS) + rng.pick([',', ',', '', '!']);
      const para1 = [opener, ...sentences].filter(Boolean).join(' ');
      const paras = [greeting, para1];
      if (fillers.length) paras.push(fillers.join(' '));
      if (closer) paras.push(closer);
      const thanks = expand('{thanks}', rng) + rng.pick([',', '', ',']);
      const sig = rng.chance(0.3) ? expand(rng.pick(SIGNATURES), rng) : expand('{first}', rng);
      paras.push(`${thanks}\n${sig}`);
      if (rng.chance(0.15)) {
        paras.push(expand(rng.pick(QUOTED_REPLIES), rng));
        tags.push('quoted_reply');
      }
      return { body: paras.join(rng.chance(0.8) ? '\n\n' : '\n') };
    }
  }
  void tone;
}

/** Writes one case. Exposed for tests; `generateTemplateCases` is the public entry point. */
export function generateOne(index: number, seed: number, intent: Intent, rng: Rng, mixedShare: number): GeneratedCase {
  const channel = rng.pick(CHANNELS);
  const persona = rng.pick(PERSONAS);
  const tone = rng.pick(TONES);
  const length = rng.pick(LENGTHS);
  const domain = rng.pick(DOMAINS);
  const cores = CORES[intent];
  const coreIndex = rng.int(cores.length);
  const tags: string[] = [];
  const fillers: string[] = [];
  const core = expand(cores[coreIndex], rng);
  const isMixed = intent !== NOT_PRIVACY && rng.chance(mixedShare);
  if (isMixed) tags.push('mixed_intent');
  if (intent === NOT_PRIVACY && /delete|remove|cancel|unsubscribe|password|locked|address|export|copy|data/i.test(cores[coreIndex])) tags.push('hard_negative');
  // A few cases carry an instruction aimed at the classifier; the label never follows it.
  if (rng.chance(0.04)) {
    fillers.push(expand(rng.pick(INJECTIONS), rng));
    tags.push('adversarial_injection');
  }
  const fillerCount = length === 'short' ? 0 : length === 'medium' ? 1 : 2 + rng.int(3);
  for (let k = 0; k < fillerCount; k++) fillers.push(expand(rng.pick(FILLERS), rng));
  const parts: Parts = {
    core,
    story: isMixed ? expand(rng.pick(STORIES), rng) : intent === NOT_PRIVACY && rng.chance(0.15) ? expand(rng.pick(STORIES), rng) : undefined,
    opener: length === 'short' ? '' : expand(rng.pick(OPENERS), rng),
    fillers,
    closer: length === 'short' ? '' : expand(rng.pick(CLOSERS), rng),
  };
  const rendered = render(channel, parts, tone, rng, tags);
  let body = rendered.body;
  if (tone === 'angry' && rng.chance(0.3)) {
    body = shout(body, rng);
    tags.push('noise:shouting');
  }
  if (channel === 'chat' || tone === 'casual' || rng.chance(0.1)) {
    if (rng.chance(0.6)) {
      body = lowerCase(body);
      tags.push('noise:lowercase');
    }
    if (rng.chance(0.4)) {
      body = dropPunctuation(body);
      tags.push('noise:no_punctuation');
    }
    if (rng.chance(0.2)) {
      body = textSpeak(body);
      tags.push('noise:textspeak');
    }
  }
  if (persona === 'non_native' || rng.chance(0.25)) {
    body = addTypos(body, persona === 'non_native' ? 0.08 : 0.04, rng);
    tags.push('noise:typos');
  }
  let subject: string | undefined;
  if (channel === 'email' || (channel === 'ticket' && rng.chance(0.8))) {
    subject = rng.chance(0.85) ? rng.pick(SUBJECTS[intent]) : rng.pick(SUBJECTS.not_privacy.filter((s) => s === 'Request' || s === 'Question' || s === 'Help' || s === 'Urgent'));
    if (rng.chance(0.2)) subject = `Re: ${subject}`;
  }
  return {
    case_id: `tpl-${seed.toString(16)}-${index.toString().padStart(6, '0')}`,
    channel,
    language: 'en',
    ...(subject !== undefined ? { subject } : {}),
    body,
    ground_truth_intent: intent,
    tags,
    template_id: `${intent}/${coreIndex}`,
    persona,
    tone,
    length,
    domain,
    seed,
  };
}

/** Generates `count` labelled cases; the same options always give the same cases. */
export function generateTemplateCases(options: GenerateOptions): GeneratedCase[] {
  const { count, seed } = options;
  if (!Number.isInteger(count) || count < 0) throw new Error(`count must be a non-negative integer, got ${count}`);
  const intents = options.intents && options.intents.length ? options.intents : INTENTS;
  const mix = options.mix ?? {};
  const mixedShare = options.mixedShare ?? 0.2;
  const rng = createRng(seed >>> 0);
  const out: GeneratedCase[] = [];
  for (let i = 0; i < count; i++) {
    // Cycle through the intents first so every requested label appears even in small batches.
    const intent = i < intents.length ? intents[i] : pickIntent(rng, intents, mix);
    out.push(generateOne(i, seed >>> 0, intent, rng.fork(String(i)), mixedShare));
  }
  return out;
}
