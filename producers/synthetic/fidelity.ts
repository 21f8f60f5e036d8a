/**
 * Label fidelity: does the current classifier agree with the intent a case was written for?
 * Pluggable (a LabelJudge); the default judge is the released model (ml/ loadClassifier).
 * Disagreements are kept and flagged for review, never dropped: dropping them would make the
 * synthetic accuracy of the model 100% by construction.
 */
import type { Intent } from '../../lib/taxonomy';

export interface LabelJudge {
  /** Model version, recorded with the batch. */
  version: string;
  judge(items: readonly { subject?: string; body: string }[]): Promise<{ intent: Intent; confidence: number }[]>;
  close?(): void;
}

const CHUNK = 512;

export async function createClassifierJudge(modelDir?: string): Promise<LabelJudge> {
  // Loaded on demand: the model costs seconds and memory that listing batches does not need.
  const { loadClassifier } = require('../../ml/classifier') as typeof import('../../ml/classifier');
  const classifier = await loadClassifier(modelDir || undefined);
  return {
    version: classifier.version,
    async judge(items) {
      const out: { intent: Intent; confidence: number }[] = [];
      for (let i = 0; i < items.length; i += CHUNK) {
        for (const r of classifier.classifyBatch(items.slice(i, i + CHUNK))) out.push({ intent: r.intent, confidence: r.confidence });
        // Let timers and sockets run between chunks of a large batch.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return out;
    },
    close: () => classifier.dispose(),
  };
}
