/**
 * The decision rule on top of calibrated probabilities. Missing a privacy request costs a
 * legal deadline; a false alarm costs a reviewer a minute. So a case is called privacy when
 * p(not_privacy) < privacyThreshold, even if not_privacy is the single most likely label,
 * and then gets its most likely privacy label. The threshold is chosen on out-of-fold
 * predictions for the hand-written TRAINING rows (train.ts), never on the dev set. The reported
 * confidence is the calibrated probability of the label decided here, not of the top label.
 */
import { INTENTS, NOT_PRIVACY, type Intent } from '../lib/taxonomy';

export const NOT_PRIVACY_INDEX = INTENTS.indexOf(NOT_PRIVACY);

export interface DecisionRule {
  /** Call a case privacy when p(not_privacy) is below this. 0.5 = plain "P(privacy) > 1/2". */
  privacyThreshold: number;
}

export const DEFAULT_DECISION_RULE: DecisionRule = { privacyThreshold: 0.5 };

/** Index into INTENTS of the decided label, for one probability row starting at offset. */
export function decideIndex(probs: ArrayLike<number>, offset: number, rule: DecisionRule): number {
  const k = INTENTS.length;
  let best = 0;
  let bestPrivacy = -1;
  for (let j = 0; j < k; j++) {
    if (probs[offset + j] > probs[offset + best]) best = j;
    if (j !== NOT_PRIVACY_INDEX && (bestPrivacy < 0 || probs[offset + j] > probs[offset + bestPrivacy])) bestPrivacy = j;
  }
  if (best === NOT_PRIVACY_INDEX && probs[offset + NOT_PRIVACY_INDEX] < rule.privacyThreshold) return bestPrivacy;
  if (best !== NOT_PRIVACY_INDEX && probs[offset + NOT_PRIVACY_INDEX] >= rule.privacyThreshold) return NOT_PRIVACY_INDEX;
  return best;
}

export function decide(probs: ArrayLike<number>, rule: DecisionRule): Intent {
  return INTENTS[decideIndex(probs, 0, rule)];
}
