/**
 * Validation of an LLM reply (zod): the JSON the prompt asked for, with a non-empty customer side.
 */
import { z } from 'zod';
import { repairJson } from './json-repair';
import type { Turn } from './types';

/** Longest customer side accepted (characters); the processor classifies at most PCC_MAX_BODY_CHARS anyway. */
export const MAX_BODY_CHARS = 20_000;

export const replySchema = z.object({
  subject: z.string().trim().max(300).nullable().optional(),
  turns: z
    .array(z.object({ speaker: z.enum(['customer', 'agent']), text: z.string().trim().min(1).max(MAX_BODY_CHARS) }))
    .min(1)
    .max(20)
    .refine((ts) => ts.some((t) => t.speaker === 'customer'), 'no customer turn'),
});

export type ParsedReply =
  | { ok: true; repaired: boolean; fixes: string[]; subject: string | null; turns: Turn[] }
  | { ok: false; error: string };

export function parseReply(content: string): ParsedReply {
  const r = repairJson(content);
  if (!r.ok) return { ok: false, error: `not JSON: ${r.error}` };
  const v = replySchema.safeParse(r.value);
  if (!v.success) return { ok: false, error: `not a case: ${v.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const body = v.data.turns.filter((t) => t.speaker === 'customer').reduce((n, t) => n + t.text.length, 0);
  if (body > MAX_BODY_CHARS) return { ok: false, error: `customer side is ${body} characters, over ${MAX_BODY_CHARS}` };
  return { ok: true, repaired: r.repaired, fixes: r.fixes, subject: v.data.subject?.trim() || null, turns: v.data.turns };
}
