/**
 * `make eval`: evaluates a model directory on data/devset/devset.jsonl and writes
 * eval.md and eval.json next to the model (then refreshes its manifest).
 */
import * as fs from 'fs';
import * as path from 'path';
import { INTENTS } from '../lib/taxonomy';
import { readArtifact, resolveModelDir, writeManifest } from './artifact';
import { runBehaviouralTests, type BehaviouralResult } from './behavioural';
import { expectedCalibrationError } from './calibration';
import { loadClassifier } from './classifier';
import { labelIndex, readLabelledJsonl } from './data';
import { classificationReport, type ClassificationReport } from './metrics';

export const TARGETS = { macroF1: 0.85, privacyRecall: 0.95, privacyPrecision: 0.9, ece: 0.05 } as const;

export interface EvalReport {
  model_version: string;
  dataset: string;
  evaluated_at: string;
  backend: string;
  skipped_lines: number;
  metrics: ClassificationReport;
  ece: number;
  ece_bins: ReturnType<typeof expectedCalibrationError>['bins'];
  behavioural: BehaviouralResult[];
  targets: typeof TARGETS;
  meets: Record<string, boolean>;
}

export async function evaluate(modelDir: string, devsetPath: string): Promise<EvalReport> {
  const clf = await loadClassifier(modelDir);
  try {
    const { rows, skipped } = readLabelledJsonl(devsetPath, 'handwritten');
    if (!rows.length) throw new Error(`no labelled rows in ${devsetPath}`);
    const preds: ReturnType<typeof clf.classifyBatch> = [];
    for (let i = 0; i < rows.length; i += 256) preds.push(...clf.classifyBatch(rows.slice(i, i + 256).map((r) => ({ subject: r.subject, body: r.text }))));
    const truth = rows.map((r) => labelIndex(r.label));
    const predicted = preds.map((p) => INTENTS.indexOf(p.intent));
    const metrics = classificationReport(truth, predicted);
    const ece = expectedCalibrationError(preds.map((p) => p.confidence), predicted.map((p, i) => p === truth[i]), 15);
    const behavioural = runBehaviouralTests(clf, rows.map((r) => ({ id: r.id, subject: r.subject, text: r.text, label: r.label })));
    return {
      model_version: clf.version,
      dataset: path.relative(process.cwd(), devsetPath) || devsetPath,
      evaluated_at: new Date().toISOString(),
      backend: clf.backend,
      skipped_lines: skipped,
      metrics,
      ece: ece.ece,
      ece_bins: ece.bins,
      behavioural,
      targets: TARGETS,
      meets: {
        macro_f1: metrics.macroF1 >= TARGETS.macroF1,
        privacy_recall: metrics.privacy.recall >= TARGETS.privacyRecall,
        privacy_precision: metrics.privacy.precision >= TARGETS.privacyPrecision,
        ece: ece.ece <= TARGETS.ece,
      },
    };
  } finally {
    clf.dispose();
  }
}

const pct = (x: number): string => (100 * x).toFixed(1) + '%';
const f3 = (x: number): string => x.toFixed(3);

export function renderMarkdown(r: EvalReport): string {
  const m = r.metrics;
  const lines = [
    `# Evaluation of ${r.model_version}`,
    '',
    `Dataset: \`${r.dataset}\` (${m.n} cases, ${r.skipped_lines} unreadable lines skipped). Backend: ${r.backend}. Evaluated at ${r.evaluated_at}.`,
    '',
    '## Headline',
    '',
    '| metric | value | target | met |',
    '|---|---|---|---|',
    `| macro-F1 | ${f3(m.macroF1)} | >= ${TARGETS.macroF1} | ${r.meets.macro_f1 ? 'yes' : 'no'} |`,
    `| privacy-vs-not recall | ${f3(m.privacy.recall)} | >= ${TARGETS.privacyRecall} | ${r.meets.privacy_recall ? 'yes' : 'no'} |`,
    `| privacy-vs-not precision | ${f3(m.privacy.precision)} | >= ${TARGETS.privacyPrecision} | ${r.meets.privacy_precision ? 'yes' : 'no'} |`,
    `| ECE (15 bins) | ${f3(r.ece)} | <= ${TARGETS.ece} | ${r.meets.ece ? 'yes' : 'no'} |`,
    `| accuracy | ${f3(m.accuracy)} | | |`,
    '',
    '## Per label',
    '',
    '| label | precision | recall | F1 | support |',
    '|---|---|---|---|---|',
    ...m.perLabel.map((l) => `| ${l.label} | ${f3(l.precision)} | ${f3(l.recall)} | ${f3(l.f1)} | ${l.support} |`),
    '',
    '## Confusion matrix (rows = truth, columns = predicted)',
    '',
    `| | ${INTENTS.map((l, i) => `${i}`).join(' | ')} |`,
    `|---|${INTENTS.map(() => '---').join('|')}|`,
    ...m.confusion.map((row, i) => `| ${i} ${INTENTS[i]} | ${row.join(' | ')} |`),
    '',
    '## Behavioural tests (CheckList-style)',
    '',
    '| test | kind | what | tested | pass rate |',
    '|---|---|---|---|---|',
    ...r.behavioural.map((b) => `| ${b.name} | ${b.kind} | ${b.description} | ${b.tested} | ${pct(b.passRate)} |`),
    '',
    '## Calibration bins',
    '',
    '| bin | count | accuracy | mean confidence |',
    '|---|---|---|---|',
    ...r.ece_bins.filter((b) => b.count > 0).map((b) => `| ${b.lower.toFixed(2)}-${b.upper.toFixed(2)} | ${b.count} | ${f3(b.accuracy)} | ${f3(b.confidence)} |`),
    '',
  ];
  return lines.join('\n');
}

export function summaryLine(r: EvalReport): string {
  const m = r.metrics;
  const beh = r.behavioural.map((b) => `${b.name}=${pct(b.passRate)}`).join(' ');
  return `model ${r.model_version}: macro-F1 ${f3(m.macroF1)} | privacy P ${f3(m.privacy.precision)} R ${f3(m.privacy.recall)} | ECE ${f3(r.ece)} | acc ${f3(m.accuracy)} | ${beh}`;
}

async function main(argv: string[]): Promise<number> {
  let modelArg: string | undefined;
  let devset = path.resolve(__dirname, '..', 'data/devset/devset.jsonl');
  let write = true;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model') modelArg = argv[++i];
    else if (argv[i] === '--devset') devset = path.resolve(argv[++i]);
    else if (argv[i] === '--no-write') write = false;
    else throw new Error(`unknown option ${argv[i]}`);
  }
  const dir = resolveModelDir(modelArg);
  const report = await evaluate(dir, devset);
  if (write) {
    fs.writeFileSync(path.join(dir, 'eval.json'), JSON.stringify(report, null, 2) + '\n');
    fs.writeFileSync(path.join(dir, 'eval.md'), renderMarkdown(report));
    const art = readArtifact(dir);
    writeManifest(dir, art.manifest.version, art.manifest.embedding_dim, art.manifest.training_data_sha256, art.manifest.created_at);
  }
  process.stdout.write(summaryLine(report) + '\n');
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2))
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      process.stderr.write(`eval failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
