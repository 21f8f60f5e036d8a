/**
 * The `openai` backend: any server speaking the OpenAI chat-completions API (Ollama, llama.cpp
 * server, vLLM, LM Studio, a hosted tier). Per case it asks for JSON in the strongest shape the
 * server accepts (response_format json_schema, then json_object, then the prompt alone: a 400
 * naming response_format moves the whole batch down one shape), validates the reply with zod,
 * repairs or rejects malformed JSON, retries 408/429/5xx, timeouts and lost connections with
 * jittered backoff that honours Retry-After, bounds the requests in flight, and keeps the raw
 * reply of every call.
 */
import type { Logger } from '../../lib/logger';
import { PccError } from '../../lib/errors';
import { backoffDelayMs, sleep } from '../../lib/retry';
import { buildPrompt, PROMPT_TEMPLATES, REPLY_JSON_SCHEMA } from './prompts';
import { parseReply } from './reply';
import { deriveSeed } from './rng';
import { customerBody, type Backend, type Candidate, type CaseSpec, type GenerateContext } from './types';

export const OPENAI_BACKEND_VERSION = '1.0.0';

export type ResponseFormatMode = 'json_schema' | 'json_object' | 'prompt';
const MODES: readonly ResponseFormatMode[] = ['json_schema', 'json_object', 'prompt'];

export interface OpenAiBackendOptions {
  /** e.g. http://127.0.0.1:11434/v1 (the path up to /chat/completions). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  concurrency: number;
  timeoutMs: number;
  /** Attempts per case on transient failures, the first included. */
  maxAttempts: number;
  backoff?: { initialDelayMs: number; maxDelayMs: number; jitter: number };
  /** Longest Retry-After honoured (ms); a server asking for more gets this. */
  maxRetryAfterMs?: number;
  temperature?: number;
  /** First shape tried (tests; servers known to refuse json_schema). */
  initialMode?: ResponseFormatMode;
  logger?: Logger;
}

/** One call to the server, as kept with the case. */
export interface CallRecord {
  attempt: number;
  mode: ResponseFormatMode;
  status: number | null;
  ms: number;
  content?: string;
  finish_reason?: string | null;
  error?: string;
}

class FormatRefused extends Error {}

/** Retry-After in ms: delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = header.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isFinite(t) ? Math.max(0, t - nowMs) : undefined;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in item order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export function createOpenAiBackend(o: OpenAiBackendOptions): Backend & { mode(): ResponseFormatMode } {
  const url = `${o.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const backoff = o.backoff ?? { initialDelayMs: 500, maxDelayMs: 30_000, jitter: 0.3 };
  const maxRetryAfterMs = o.maxRetryAfterMs ?? 120_000;
  let mode: ResponseFormatMode = o.initialMode ?? 'json_schema';
  const refusedModes: ResponseFormatMode[] = [];
  const log = o.logger?.child({ component: 'synth-openai' });

  function downgrade(from: ResponseFormatMode): void {
    // Several requests in flight may be refused for the same shape; move down once per shape.
    if (mode !== from) return;
    const i = MODES.indexOf(from);
    if (i < MODES.length - 1) {
      refusedModes.push(from);
      mode = MODES[i + 1];
      log?.warn('LLM server refused a response_format; falling back', { refused: from, now: mode });
    }
  }

  async function call(spec: CaseSpec, batchSeed: number, m: ResponseFormatMode, signal?: AbortSignal): Promise<{ content: string; finishReason: string | null; status: number }> {
    const prompt = buildPrompt(spec, { includeSchemaHint: m === 'prompt' });
    const body: Record<string, unknown> = {
      model: o.model,
      messages: prompt.messages,
      temperature: o.temperature ?? 0.9,
      seed: deriveSeed(batchSeed, 'llm', spec.seq, spec.attempt) & 0x7fffffff,
    };
    if (m === 'json_schema') body.response_format = { type: 'json_schema', json_schema: { name: 'support_case', strict: true, schema: REPLY_JSON_SCHEMA } };
    else if (m === 'json_object') body.response_format = { type: 'json_object' };
    const timeout = AbortSignal.timeout(o.timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      const timedOut = timeout.aborted;
      throw new PccError('PCC_LLM_UNAVAILABLE', timedOut ? `no reply within ${o.timeoutMs} ms` : `cannot reach the LLM server: ${(err as Error).message}`, { timedOut }, { cause: err });
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new PccError('PCC_LLM_UNAVAILABLE', `reply cut off: ${(err as Error).message}`, { status: res.status }, { cause: err });
    }
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      throw new PccError('PCC_LLM_UNAVAILABLE', `LLM server answered ${res.status}`, { status: res.status, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')), body: text.slice(0, 500) });
    }
    if (res.status >= 400) {
      if ((res.status === 400 || res.status === 422) && m !== 'prompt' && /response_format|json_schema|json_object|json mode/i.test(text)) throw new FormatRefused(text.slice(0, 500));
      throw new PccError('PCC_LLM_REJECTED', `LLM server refused the request with ${res.status}: ${text.slice(0, 200)}`, { status: res.status });
    }
    let parsed: { choices?: { message?: { content?: unknown }; finish_reason?: string | null }[] };
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new PccError('PCC_LLM_UNAVAILABLE', 'LLM server sent a reply that is not a chat completion (not JSON)', { status: res.status, body: text.slice(0, 500) });
    }
    const choice = parsed.choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string') throw new PccError('PCC_LLM_BAD_OUTPUT', 'chat completion without message content', { status: res.status, body: text.slice(0, 500) });
    return { content, finishReason: choice?.finish_reason ?? null, status: res.status };
  }

  async function generateOne(spec: CaseSpec, ctx: GenerateContext): Promise<Candidate> {
    const calls: CallRecord[] = [];
    const prompt = buildPrompt(spec);
    const base = { spec, promptId: prompt.template.id, promptHash: prompt.template.sha256 };
    let attempt = 0;
    let formatRefusals = 0;
    for (;;) {
      attempt++;
      const m = mode;
      const started = Date.now();
      try {
        const r = await call(spec, ctx.seed, m, ctx.signal);
        calls.push({ attempt, mode: m, status: r.status, ms: Date.now() - started, content: r.content, finish_reason: r.finishReason });
        const reply = parseReply(r.content);
        const rawOutput = JSON.stringify(calls);
        if (!reply.ok) return { ...base, status: 'rejected', rawOutput, reasonCode: 'PCC_LLM_BAD_OUTPUT', reason: reply.error };
        const tags = [`persona:${spec.persona}`, `tone:${spec.tone}`, `length:${spec.length}`, `language:${spec.language}`, `shape:${spec.shape}`];
        if (spec.difficulty !== 'none') tags.push(`difficulty:${spec.difficulty}`);
        if (spec.difficulty === 'mixed_intent') tags.push(spec.intent === 'not_privacy' ? 'hard_negative' : 'mixed_intent');
        if (spec.difficulty === 'prompt_injection') tags.push('adversarial_injection');
        if (reply.repaired) tags.push(...reply.fixes.map((f) => `repaired:${f}`));
        if (customerBody(reply.turns) === '') return { ...base, status: 'rejected', rawOutput, reasonCode: 'PCC_LLM_BAD_OUTPUT', reason: 'empty customer side' };
        return {
          ...base,
          status: reply.repaired ? 'repaired' : 'accepted',
          rawOutput,
          ...(reply.repaired ? { reasonCode: 'PCC_LLM_BAD_OUTPUT', reason: `repaired: ${reply.fixes.join(', ')}` } : {}),
          draft: {
            channel: spec.channel,
            language: spec.language,
            subject: spec.channel === 'email' || spec.channel === 'ticket' ? reply.subject : null,
            turns: reply.turns,
            tags,
            style: { persona: spec.persona, tone: spec.tone, length: spec.length },
          },
        };
      } catch (err) {
        const ms = Date.now() - started;
        if (err instanceof FormatRefused) {
          calls.push({ attempt, mode: m, status: 400, ms, error: `response_format refused: ${err.message}` });
          downgrade(m);
          // A refused shape is not a failed attempt: the server answered at once.
          if (++formatRefusals <= MODES.length) attempt--;
          continue;
        }
        if (ctx.signal?.aborted) throw err;
        const e = err instanceof PccError ? err : new PccError('PCC_LLM_UNAVAILABLE', (err as Error).message, {}, { cause: err });
        calls.push({ attempt, mode: m, status: (e.context.status as number | undefined) ?? null, ms, error: `${e.code}: ${e.message}` });
        if (e.code === 'PCC_LLM_REJECTED') throw e;
        if (e.code === 'PCC_LLM_BAD_OUTPUT' || attempt >= o.maxAttempts) {
          return { ...base, status: 'rejected', rawOutput: JSON.stringify(calls), reasonCode: e.code, reason: e.message };
        }
        const retryAfter = e.context.retryAfterMs as number | undefined;
        const delay = Math.max(backoffDelayMs(attempt, backoff), Math.min(retryAfter ?? 0, maxRetryAfterMs));
        log?.debug('LLM call failed; retrying', { code: e.code, seq: spec.seq, attempt, delayMs: delay });
        await sleep(delay, ctx.signal);
      }
    }
  }

  return {
    name: 'openai',
    generatorVersion: OPENAI_BACKEND_VERSION,
    model: o.model,
    mode: () => mode,
    promptTemplates: () => PROMPT_TEMPLATES.map(({ id, sha256 }) => ({ id, sha256 })),
    describe: () => ({ base_url: o.baseUrl, response_format: mode, refused_formats: [...refusedModes], concurrency: o.concurrency, timeout_ms: o.timeoutMs, max_attempts: o.maxAttempts }),
    async generate(specs, ctx) {
      return mapLimit(specs, o.concurrency, async (spec) => {
        const c = await generateOne(spec, ctx);
        ctx.onCase?.(c);
        return c;
      });
    },
  };
}
