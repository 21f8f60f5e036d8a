/**
 * The shapes shared by the synthetic pipeline: what a batch asks for (a CaseSpec per case), what a
 * backend writes back (a Candidate), and what is stored and published (a SyntheticCaseValue).
 */
import type { Channel, Intent } from '../../lib/taxonomy';
import type { SyntheticCaseValue } from '../real/jsonl';

export type { SyntheticCaseValue };

export const LANGUAGES = ['en', 'es', 'fr', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

export const PERSONAS = ['consumer', 'frustrated_customer', 'legal_representative', 'parent', 'former_employee', 'elderly', 'non_native', 'business_customer', 'privacy_savvy'] as const;
export const TONES = ['polite', 'neutral', 'angry', 'formal', 'casual'] as const;
export const LENGTHS = ['short', 'medium', 'long'] as const;
/** Ways a case is made hard; `none` is a plain case. */
export const DIFFICULTIES = ['none', 'mixed_intent', 'sarcasm', 'typos', 'heavy_pii', 'very_long', 'prompt_injection'] as const;
/** A single customer message, or a conversation of customer and agent turns. */
export const SHAPES = ['message', 'conversation'] as const;

export type Persona = (typeof PERSONAS)[number];
export type Tone = (typeof TONES)[number];
export type Length = (typeof LENGTHS)[number];
export type Difficulty = (typeof DIFFICULTIES)[number];
export type Shape = (typeof SHAPES)[number];

export type BackendName = 'template' | 'openai';

/** What one case of a batch should be. `attempt` > 0 asks for a replacement of a rejected case. */
export interface CaseSpec {
  seq: number;
  intent: Intent;
  persona: Persona;
  channel: Channel;
  tone: Tone;
  length: Length;
  language: Language;
  difficulty: Difficulty;
  shape: Shape;
  attempt: number;
}

export interface Turn {
  speaker: 'customer' | 'agent';
  text: string;
}

/** accepted: valid as written; repaired: valid after a JSON repair; rejected: unusable or a duplicate. */
export type CandidateStatus = 'accepted' | 'repaired' | 'rejected';

export interface Candidate {
  spec: CaseSpec;
  status: CandidateStatus;
  /** Present unless rejected. */
  draft?: {
    channel: Channel;
    language: string;
    subject: string | null;
    turns: Turn[];
    tags: string[];
    /** Style the text actually has (the template generator picks its own). */
    style: { persona: string; tone: string; length: string };
  };
  promptId: string;
  promptHash: string;
  /** Every raw reply of the LLM for this case, in order (retries included); null for the template backend. */
  rawOutput: string | null;
  /** Error code and message of a rejection or a repair. */
  reasonCode?: string;
  reason?: string;
}

/** Status of a stored case; flagged = kept, but the classifier disagrees with the intent. */
export type StoredCaseStatus = 'accepted' | 'repaired' | 'rejected' | 'flagged';

export interface PromptTemplateRef {
  id: string;
  sha256: string;
}

export interface GenerateContext {
  seed: number;
  signal?: AbortSignal;
  /** Called once per case as its final candidate is known. */
  onCase?: (c: Candidate) => void;
}

/** A generator backend. It writes one candidate per spec, in the order of the specs. */
export interface Backend {
  name: BackendName;
  generatorVersion: string;
  model: string | null;
  promptTemplates(): PromptTemplateRef[];
  generate(specs: readonly CaseSpec[], ctx: GenerateContext): Promise<Candidate[]>;
  /** Backend-specific facts recorded with the batch (e.g. the response format the server accepted). */
  describe(): Record<string, unknown>;
}

/** The customer's side of a conversation: what is classified and published as the body. */
export function customerBody(turns: readonly Turn[]): string {
  return turns
    .filter((t) => t.speaker === 'customer')
    .map((t) => t.text.trim())
    .filter(Boolean)
    .join('\n\n');
}
