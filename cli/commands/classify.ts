/**
 * `pcc classify`: classify text with the committed model, offline, no services needed.
 *
 *   pcc classify "text"                                  one JSON object on stdout
 *   pcc classify --input cases.jsonl --output out.jsonl  JSONL in, JSONL out, same order
 *
 * Only JSON goes to stdout; progress and diagnostics go to stderr. A bad input line becomes
 * an error object in the output and the run goes on; the exit code is non-zero only when the
 * input cannot be read, the output cannot be written or the model cannot be loaded.
 */
import * as fs from 'fs';
import * as readline from 'readline';
import { SingleBar } from 'cli-progress';
import type { ErrorCode } from '../../lib/errors';
import { INTENTS, isPrivacy } from '../../lib/taxonomy';
import { loadClassifier, type Classifier, type ClassifyInput, type ClassifyResult } from '../../ml/classifier';

export const summary = 'classify text or a JSONL file of cases with the released model (offline)';

export const usage = `usage:
  pcc classify [--model DIR] [--subject S] "text" ["text" ...]
  pcc classify [--model DIR] --input cases.jsonl [--output predictions.jsonl] [--batch-size N]

Input lines are {"id", "text"} (or "body"), optionally "subject". Each output line is
{"id", "intent", "is_privacy", "confidence", "probabilities"} in input order, or
{"id", "error": {"code", "message"}} for a line that is not valid JSON or has no text.
"-" as --input reads stdin; without --output, predictions go to stdout. Blank lines are skipped.

options:
  --model DIR       model directory (default: models/<models/LATEST>)
  --input FILE      JSONL input ("-" for stdin)
  --output FILE     JSONL output (default: stdout)
  --subject S       subject line for the positional text
  --batch-size N    cases per model call (default 256)
  --progress        force a progress bar on stderr (default: when stderr is a TTY or input > 5 MB)`;

interface Options {
  model?: string;
  input?: string;
  output?: string;
  subject?: string;
  batchSize: number;
  progress?: boolean;
  texts: string[];
}

const PROGRESS_MIN_BYTES = 5 * 1024 * 1024;
const PROB_DECIMALS = 1e6;

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { batchSize: 256, texts: [] };
  const value = (i: number, name: string): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new UsageError(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--model': o.model = value(i, a); i++; break;
      case '--input': o.input = value(i, a); i++; break;
      case '--output': o.output = value(i, a); i++; break;
      case '--subject': o.subject = value(i, a); i++; break;
      case '--batch-size': {
        const n = Number(value(i, a));
        if (!Number.isInteger(n) || n < 1) throw new UsageError('--batch-size must be a positive integer');
        o.batchSize = n;
        i++;
        break;
      }
      case '--progress': o.progress = true; break;
      case '--no-progress': o.progress = false; break;
      default:
        if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
        o.texts.push(a);
    }
  }
  if (o.input && o.texts.length) throw new UsageError('give either text arguments or --input, not both');
  if (!o.input && !o.texts.length) throw new UsageError('nothing to classify: give a text or --input FILE');
  return o;
}

function probabilityMap(p: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  INTENTS.forEach((label, j) => {
    out[label] = Math.round(p[j] * PROB_DECIMALS) / PROB_DECIMALS;
  });
  return out;
}

export function predictionRecord(r: ClassifyResult): { intent: string; is_privacy: boolean; confidence: number; probabilities: Record<string, number> } {
  return { intent: r.intent, is_privacy: isPrivacy(r.intent), confidence: Math.round(r.confidence * PROB_DECIMALS) / PROB_DECIMALS, probabilities: probabilityMap(r.probabilities) };
}

type Parsed = { kind: 'ok'; id: unknown; input: ClassifyInput } | { kind: 'error'; id: unknown; code: ErrorCode; message: string };

/** One input line to a case or an error; never throws. */
export function parseInputLine(line: string, lineNo: number): Parsed {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (err) {
    return { kind: 'error', id: null, code: 'PCC_INPUT_INVALID_JSON', message: `line ${lineNo}: not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    return { kind: 'error', id: null, code: 'PCC_INPUT_INVALID_JSON', message: `line ${lineNo}: expected a JSON object` };
  }
  const o = obj as Record<string, unknown>;
  const id = o.id ?? null;
  const text = typeof o.text === 'string' ? o.text : typeof o.body === 'string' ? o.body : undefined;
  if (text === undefined || !text.trim()) return { kind: 'error', id, code: 'PCC_INPUT_NO_TEXT', message: `line ${lineNo}: no "text" (or "body") string` };
  return { kind: 'ok', id, input: { subject: typeof o.subject === 'string' ? o.subject : undefined, body: text } };
}

function write(stream: NodeJS.WritableStream, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    stream.once('error', onError);
    if (stream.write(chunk)) {
      stream.removeListener('error', onError);
      resolve();
    } else {
      stream.once('drain', () => {
        stream.removeListener('error', onError);
        resolve();
      });
    }
  });
}

async function classifyFile(clf: Classifier, o: Options): Promise<number> {
  const fromStdin = o.input === '-';
  let size = 0;
  if (!fromStdin) {
    try {
      const st = fs.statSync(o.input as string);
      if (!st.isFile()) throw new Error('not a regular file');
      size = st.size;
      fs.accessSync(o.input as string, fs.constants.R_OK);
    } catch (err) {
      process.stderr.write(`pcc classify: PCC_INPUT_UNREADABLE: cannot read ${o.input}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  }
  const input = fromStdin ? process.stdin : fs.createReadStream(o.input as string);
  const out: NodeJS.WritableStream = o.output ? fs.createWriteStream(o.output) : process.stdout;
  const showBar = !fromStdin && (o.progress ?? (process.stderr.isTTY || size > PROGRESS_MIN_BYTES));
  const bar = showBar ? new SingleBar({ stream: process.stderr, format: 'classify |{bar}| {percentage}% | {cases} cases | {eta}s', hideCursor: true }) : null;
  bar?.start(Math.max(size, 1), 0, { cases: 0 });

  let readError: Error | null = null;
  input.on('error', (e: Error) => {
    readError = e;
  });
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let pending: Parsed[] = [];
  let lineNo = 0;
  let bytes = 0;
  let cases = 0;
  let errors = 0;

  const flush = async (): Promise<void> => {
    const ok = pending.filter((p): p is Extract<Parsed, { kind: 'ok' }> => p.kind === 'ok');
    const results = ok.length ? clf.classifyBatch(ok.map((p) => p.input)) : [];
    let r = 0;
    const lines: string[] = [];
    for (const p of pending) {
      if (p.kind === 'ok') lines.push(JSON.stringify({ id: p.id, ...predictionRecord(results[r++]) }));
      else {
        errors++;
        lines.push(JSON.stringify({ id: p.id, error: { code: p.code, message: p.message } }));
      }
    }
    cases += pending.length;
    pending = [];
    if (lines.length) await write(out, lines.join('\n') + '\n');
    bar?.update(Math.min(bytes, size), { cases });
  };

  try {
    for await (const line of rl) {
      lineNo++;
      bytes += Buffer.byteLength(line) + 1;
      if (!line.trim()) continue;
      pending.push(parseInputLine(line, lineNo));
      if (pending.length >= o.batchSize) await flush();
    }
    await flush();
  } catch (err) {
    bar?.stop();
    const e = readError ?? err;
    process.stderr.write(`pcc classify: ${readError ? 'PCC_INPUT_UNREADABLE' : 'PCC_CLASSIFY_FAILED'}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  bar?.stop();
  if (readError) {
    process.stderr.write(`pcc classify: PCC_INPUT_UNREADABLE: ${(readError as Error).message}\n`);
    return 1;
  }
  if (o.output) {
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      (out as fs.WriteStream).end(() => resolve());
    });
  }
  process.stderr.write(`pcc classify: ${cases} lines, ${errors} with errors\n`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  let o: Options;
  try {
    o = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`pcc classify: ${err.message}\n\n${usage}\n`);
      return 2;
    }
    throw err;
  }
  let clf: Classifier;
  try {
    clf = await loadClassifier(o.model);
  } catch (err) {
    process.stderr.write(`pcc classify: PCC_MODEL_LOAD_FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  try {
    if (o.input) return await classifyFile(clf, o);
    const results = clf.classifyBatch(o.texts.map((t) => ({ subject: o.subject, body: t })));
    for (const r of results) process.stdout.write(JSON.stringify(predictionRecord(r)) + '\n');
    return 0;
  } finally {
    clf.dispose();
  }
}
