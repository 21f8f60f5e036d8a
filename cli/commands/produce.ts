import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { createCodec, createRegistry } from '../../lib/codec';
import { loadConfig } from '../../lib/config';
import { toPccError } from '../../lib/errors';
import { createKafka } from '../../lib/kafka';
import { createLogger } from '../../lib/logger';
import type { Source } from '../../lib/taxonomy';
import { toCaseValue } from '../../producers/real/jsonl';
import { createCasePublisher } from '../../producers/real/publisher';

export const summary = 'publish cases from a JSONL file to the real (or synthetic) case topic';
export const usage = `usage: pcc produce --input cases.jsonl [--source real|synthetic] [--batch-size 500] [--batch-id ID]

Each line is a JSON object with the Case fields (case_id or id, body or text, channel,
received_at as ISO 8601 or epoch ms, subject, language, jurisdiction, customer_ref, metadata).
A missing case_id is generated; a given received_at is kept. --input - reads standard input.
Lines that cannot be sent (not JSON, no text, bad channel or time) are refused locally and
counted with their line numbers; the rest are sent. Synthetic lines also need
ground_truth_intent (or label) and batch_id (or --batch-id). Prints a summary as JSON on stdout;
exit code 1 if the input cannot be read or Kafka refuses, 0 otherwise.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      source: { type: 'string', default: 'real' },
      'batch-size': { type: 'string', default: '500' },
      'batch-id': { type: 'string' },
    },
    strict: true,
  });
  if (!values.input) {
    process.stderr.write(`pcc produce: --input is required\n${usage}\n`);
    return 2;
  }
  const source = values.source as Source;
  if (source !== 'real' && source !== 'synthetic') {
    process.stderr.write('pcc produce: --source must be real or synthetic\n');
    return 2;
  }
  const batchSize = Math.max(1, Math.min(10_000, Number(values['batch-size']) || 500));
  const fromStdin = values.input === '-';
  if (!fromStdin && !existsSync(values.input)) {
    process.stderr.write(`pcc produce: cannot read ${values.input} (PCC_INPUT_UNREADABLE)\n`);
    return 1;
  }
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, json: config.log.json, component: 'produce' });
  const kafka = createKafka({ config, logger });
  const topic = source === 'real' ? config.topics.casesReal : config.topics.casesSynthetic;
  const publisher = await createCasePublisher(kafka, createCodec(createRegistry(config)), topic);

  const totalBytes = fromStdin ? 0 : (await stat(values.input)).size;
  const showBar = !fromStdin && totalBytes > 256 * 1024 && process.stderr.isTTY;
  const bar = new cliProgress.SingleBar({ format: 'produce |{bar}| {percentage}% {value}/{total} bytes | sent {sent} refused {refused}', stream: process.stderr }, cliProgress.Presets.shades_classic);
  if (showBar) bar.start(totalBytes, 0, { sent: 0, refused: 0 });

  const refused: { line: number; code: string; message: string }[] = [];
  let sent = 0;
  let lineNo = 0;
  let bytes = 0;
  let pending: { case_id: string }[] = [];
  const now = Date.now();
  const flush = async () => {
    await publisher.publish(pending);
    sent += pending.length;
    pending = [];
  };
  try {
    const rl = createInterface({ input: fromStdin ? process.stdin : createReadStream(values.input), crlfDelay: Infinity });
    for await (const line of rl) {
      lineNo++;
      bytes += Buffer.byteLength(line) + 1;
      if (line.trim() === '') continue;
      try {
        pending.push(toCaseValue(line, source, now, { batchId: values['batch-id'] }));
      } catch (err) {
        const e = toPccError(err);
        refused.push({ line: lineNo, code: e.code, message: e.message });
      }
      if (pending.length >= batchSize) await flush();
      if (showBar && lineNo % 1000 === 0) bar.update(bytes, { sent, refused: refused.length });
    }
    await flush();
  } catch (err) {
    const e = toPccError(err, 'PCC_KAFKA_UNAVAILABLE');
    logger.error('produce failed', { code: e.code, error: e.message, sent });
    return 1;
  } finally {
    if (showBar) {
      bar.update(totalBytes, { sent, refused: refused.length });
      bar.stop();
    }
    await publisher.close().catch(() => undefined);
  }
  process.stdout.write(`${JSON.stringify({ topic, sent, refused: refused.length, refused_lines: refused.slice(0, 100) })}\n`);
  return 0;
}
