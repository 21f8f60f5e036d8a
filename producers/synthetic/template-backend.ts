/**
 * The `template` backend (default, offline): a thin adapter around the built-in grammar generator
 * of producers/synthetic/template. Each intent's cases come from their own seeded call, so the
 * planned count per intent is met exactly and a replacement round draws fresh text.
 * The grammar writes English only and picks its own persona, tone, length and channel; the batch
 * records what it actually wrote (see the achieved metrics), not the plan's style columns.
 */
import type { Channel, Intent } from '../../lib/taxonomy';
import * as builtin from './template';
import { deriveSeed } from './rng';
import type { Backend, Candidate, CaseSpec } from './types';

/** What the adapter needs of a template generator (the built-in one, or a stand-in in tests). */
export interface TemplateGenerator {
  name: string;
  version: string;
  hash: string;
  generate(options: { count: number; seed: number; intents?: readonly Intent[] }): {
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
  }[];
}

export const BUILTIN_TEMPLATE_GENERATOR: TemplateGenerator = {
  name: builtin.GENERATOR_NAME,
  version: builtin.GENERATOR_VERSION,
  hash: builtin.TEMPLATE_HASH,
  generate: (options) => builtin.generateTemplateCases(options),
};

export function createTemplateBackend(generator: TemplateGenerator = BUILTIN_TEMPLATE_GENERATOR): Backend {
  return {
    name: 'template',
    generatorVersion: `${generator.name}@${generator.version}`,
    model: null,
    promptTemplates: () => [{ id: `${generator.name}@${generator.version}`, sha256: generator.hash }],
    describe: () => ({ generator: generator.name, generator_version: generator.version, template_hash: generator.hash, languages: ['en'] }),
    async generate(specs, ctx) {
      const groups = new Map<string, CaseSpec[]>();
      for (const s of specs) {
        const k = `${s.intent}/${s.attempt}`;
        const g = groups.get(k);
        if (g) g.push(s);
        else groups.set(k, [s]);
      }
      const bySeq = new Map<number, Candidate>();
      for (const group of groups.values()) {
        const { intent, attempt } = group[0];
        const cases = generator.generate({ count: group.length, seed: deriveSeed(ctx.seed, 'template', intent, attempt), intents: [intent] });
        group.forEach((spec, i) => {
          const g = cases[i];
          if (!g || g.ground_truth_intent !== intent) {
            throw new Error(`template generator returned ${g ? g.ground_truth_intent : 'nothing'} for a ${intent} case`);
          }
          bySeq.set(spec.seq, {
            spec,
            status: 'accepted',
            promptId: g.template_id,
            promptHash: generator.hash,
            rawOutput: null,
            draft: {
              channel: g.channel,
              language: g.language,
              subject: g.subject ?? null,
              turns: [{ speaker: 'customer', text: g.body }],
              tags: [...g.tags, `persona:${g.persona}`, `tone:${g.tone}`, `length:${g.length}`],
              style: { persona: g.persona, tone: g.tone, length: g.length },
            },
          });
        });
      }
      return specs.map((s) => {
        const c = bySeq.get(s.seq)!;
        ctx.onCase?.(c);
        return c;
      });
    },
  };
}
