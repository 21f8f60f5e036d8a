/**
 * The fixed intent label set (../shared/DESIGN.md, "Intent taxonomy"). The order is part of the
 * contract: Prediction.probabilities and the model's output units follow it.
 */
export const INTENTS = [
  'access_request',
  'deletion_request',
  'correction_request',
  'portability_request',
  'marketing_opt_out',
  'processing_objection',
  'privacy_complaint',
  'privacy_inquiry',
  'not_privacy',
] as const;

export type Intent = (typeof INTENTS)[number];

export const NOT_PRIVACY: Intent = 'not_privacy';

export const CHANNELS = ['email', 'chat', 'ticket', 'form', 'phone_transcript'] as const;
export type Channel = (typeof CHANNELS)[number];

export const SOURCES = ['real', 'synthetic'] as const;
export type Source = (typeof SOURCES)[number];

export function isIntent(x: unknown): x is Intent {
  return typeof x === 'string' && (INTENTS as readonly string[]).includes(x);
}

export function isPrivacy(intent: Intent): boolean {
  return intent !== NOT_PRIVACY;
}
