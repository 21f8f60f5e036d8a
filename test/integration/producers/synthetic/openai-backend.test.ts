import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateBatch } from '../../../../producers/synthetic/generate';
import { createOpenAiBackend, type CallRecord, type OpenAiBackendOptions } from '../../../../producers/synthetic/openai-backend';
import { getBatch } from '../../../../producers/synthetic/service';
import { listCases } from '../../../../producers/synthetic/store';
import { parseTargets } from '../../../../producers/synthetic/targets';
import { testLogger } from '../../../helpers';
import { SynthFixture } from './fixture';

type Entry = 'valid' | 'fenced' | 'trailing_comma' | 'truncated' | 'garbage' | 'wrong_shape' | '429' | '503' | 'timeout' | 'cut_connection' | '401';

interface Seen {
  at: number;
  format: string;
  user: string;
  entry: Entry | 'refused_format';
}

const VOCAB = 'parcel invoice password refund voucher courier basket receipt warranty upgrade tariff router contract meter window kettle jacket ticket seat engine modem charger screen battery lens printer desk lamp sofa boots'.split(' ');

/** A case reply whose words differ from every other reply's, so none is a near duplicate. */
function caseJson(n: number): string {
  const words = Array.from({ length: 18 }, (_, k) => `${VOCAB[(n * 7 + k * 11) % VOCAB.length]}${(n * 31 + k * 17) % 1000}`);
  return JSON.stringify({ subject: `Case ${n}`, turns: [{ speaker: 'agent', text: 'Hello, how can I help?' }, { speaker: 'customer', text: `Reply ${n}: ${words.join(' ')}.` }] });
}

/**
 * A chat-completions server on 127.0.0.1 that plays a script: each request for a format it
 * accepts takes the next entry (valid once the script is exhausted).
 */
async function startLlmServer(script: Entry[], refuse: string[] = ['json_schema']) {
  const seen: Seen[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      const format: string = body.response_format?.type ?? 'prompt';
      const user: string = body.messages.find((m: { role: string }) => m.role === 'user').content;
      if (refuse.includes(format)) {
        seen.push({ at: Date.now(), format, user, entry: 'refused_format' });
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `response_format type ${format} is not supported by this server`, type: 'invalid_request_error' } }));
        return;
      }
      const entry = script.shift() ?? 'valid';
      seen.push({ at: Date.now(), format, user, entry });
      const k = ++n;
      const reply = (content: string, finish = 'stop') => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `c${k}`, object: 'chat.completion', model: body.model, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }] }));
      };
      switch (entry) {
        case 'valid':
          return reply(caseJson(k));
        case 'fenced':
          return reply('Here is the case:\n```json\n' + caseJson(k) + '\n```');
        case 'trailing_comma':
          return reply(caseJson(k).replace(/\}\]\}$/, '},],}'));
        case 'truncated':
          return reply(caseJson(k).slice(0, -25), 'length');
        case 'garbage':
          return reply('I am sorry, but I cannot write that.');
        case 'wrong_shape':
          return reply(JSON.stringify({ message: 'delete my data' }));
        case '429':
          res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
          return res.end('{"error":{"message":"rate limited"}}');
        case '503':
          res.writeHead(503, { 'retry-after': '0' });
          return res.end('overloaded');
        case '401':
          res.writeHead(401, { 'content-type': 'application/json' });
          return res.end('{"error":{"message":"invalid api key"}}');
        case 'timeout':
          return; // never answers; the client gives up
        case 'cut_connection':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
          res.write('{"id":"x","choices":[{"message":{"content":"{\\"subject\\"');
          setTimeout(() => res.socket?.destroy(), 20);
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function backendFor(baseUrl: string, extra: Partial<OpenAiBackendOptions> = {}) {
  return createOpenAiBackend({
    baseUrl,
    model: 'test-model',
    concurrency: 3,
    timeoutMs: 400,
    maxAttempts: 5,
    backoff: { initialDelayMs: 20, maxDelayMs: 100, jitter: 0.3 },
    ...extra,
  });
}

describe('synthetic openai backend against a local chat-completions server (real Postgres)', function () {
  this.timeout(60_000);
  const fx = new SynthFixture();
  const servers: { close(): Promise<void> }[] = [];

  before(async () => {
    await fx.setup({}, { kafka: false });
  });

  after(async () => {
    for (const s of servers) await s.close();
    await fx.teardown();
  });

  it('completes a batch through refusals, rate limits, outages, timeouts and bad replies with the right counts', async () => {
    const script: Entry[] = ['429', 'valid', 'fenced', '503', 'trailing_comma', 'garbage', 'timeout', 'truncated', 'valid', 'wrong_shape', 'cut_connection', 'valid'];
    const llm = await startLlmServer(script);
    servers.push(llm);
    const backend = backendFor(llm.baseUrl);
    const r = await generateBatch({ pool: fx.pool, backend, judge: null, logger: testLogger() }, { count: 12, seed: 77, targets: parseTargets('') });
    if (r.outcome !== 'generated') throw new Error('skipped');
    // Terminal replies in script order: valid, fenced, trailing_comma, garbage, truncated, valid,
    // wrong_shape, valid, then four valid replies once the script is exhausted.
    expect(r.counts).to.deep.equal({ total: 12, accepted: 7, repaired: 3, flagged: 0, rejected: 2 });

    const b = await getBatch(fx.pool, r.batchId);
    expect(b).to.include({ backend: 'openai', model: 'test-model', status: 'generated' });
    expect(b.prompt_templates.map((t) => t.id)).to.include.members(['system/v1', 'message/v1', 'conversation/v1']);
    const a = b.achieved as any;
    expect(a.backend.response_format).to.equal('json_object');
    expect(a.backend.refused_formats).to.deep.equal(['json_schema']);
    expect(a.rejected_by_reason).to.deep.equal({ PCC_LLM_BAD_OUTPUT: 2 });
    // After the refusal, only requests already in flight may still have asked for json_schema.
    expect(llm.seen.filter((s) => s.format === 'json_schema').length).to.be.at.most(3);

    // Retry-After: 1 was honoured: the same prompt came back no sooner than a second later.
    const limited = llm.seen.find((s) => s.entry === '429')!;
    const retry = llm.seen.find((s) => s.at > limited.at && s.user === limited.user && s.entry !== 'refused_format');
    expect(retry, 'retry of the rate-limited case').to.not.equal(undefined);
    expect(retry!.at - limited.at).to.be.at.least(950);

    const cases = await listCases(fx.pool, r.batchId);
    const repaired = cases.filter((c) => c.status === 'repaired');
    expect(repaired.map((c) => c.review_reason).sort()).to.deep.equal(
      ['repaired: code_fence', 'repaired: trailing_comma', 'repaired: truncated'],
    );
    const rejected = cases.filter((c) => c.status === 'rejected');
    expect(rejected.map((c) => c.review_reason!.split(':')[0])).to.deep.equal(['PCC_LLM_BAD_OUTPUT', 'PCC_LLM_BAD_OUTPUT']);
    expect(rejected.some((c) => c.raw_output!.includes('I am sorry, but I cannot write that.'))).to.equal(true);
    for (const c of rejected) expect(c.published_case).to.equal(null);

    // Every call is kept with its case: the transient failures sit beside the reply that followed.
    const calls = cases.map((c) => JSON.parse(c.raw_output!) as CallRecord[]);
    const statuses = calls.flat().map((x) => x.status);
    expect(statuses.filter((s) => s === 429)).to.have.length(1);
    expect(statuses.filter((s) => s === 503)).to.have.length(1);
    expect(calls.flat().filter((x) => /no reply within 400 ms/.test(x.error ?? ''))).to.have.length(1);
    expect(calls.flat().filter((x) => /reply cut off|cannot reach/.test(x.error ?? ''))).to.have.length(1);

    // The case body is the customer's side only; the conversation keeps both sides.
    const kept = cases.find((c) => c.status === 'accepted')!;
    expect(kept.conversation.turns.map((t) => t.speaker)).to.deep.equal(['agent', 'customer']);
    expect(kept.published_case!.body).to.match(/^Reply \d+: /);
    expect(kept.published_case!.generator).to.include({ name: 'openai', model: 'test-model' });
    expect(kept.case_id).to.match(/^syn-/);
  });

  it('falls back to the prompt alone when the server refuses both JSON response formats', async () => {
    const llm = await startLlmServer([], ['json_schema', 'json_object']);
    servers.push(llm);
    const backend = backendFor(llm.baseUrl, { concurrency: 1 });
    const r = await generateBatch({ pool: fx.pool, backend, judge: null }, { count: 3, seed: 1, targets: parseTargets('') });
    if (r.outcome !== 'generated') throw new Error('skipped');
    expect(r.counts).to.include({ accepted: 3, rejected: 0 });
    expect(backend.mode()).to.equal('prompt');
    expect(llm.seen.map((s) => s.format)).to.deep.equal(['json_schema', 'json_object', 'prompt', 'prompt', 'prompt']);
  });

  it('fails the batch at once on a refused key, with the error code recorded', async () => {
    const llm = await startLlmServer(['401'], []);
    servers.push(llm);
    let err: any;
    let batchId = '';
    await generateBatch({ pool: fx.pool, backend: backendFor(llm.baseUrl, { concurrency: 1 }), judge: null }, { count: 2, seed: 1, targets: parseTargets(''), onCreated: (id) => (batchId = id) }).catch(
      (e) => (err = e),
    );
    expect(err?.code).to.equal('PCC_LLM_REJECTED');
    const b = await getBatch(fx.pool, batchId);
    expect(b.status).to.equal('failed');
    expect(b.error).to.match(/^PCC_LLM_REJECTED/);
  });
});
