/**
 * Request-reply for POST /v1/classify: the gateway publishes the case like any other and waits
 * for the processor's prediction (or dead letter) for that case id on the predictions and
 * dead-letter topics.
 *
 * Each gateway instance reads every partition with a consumer group of its own (prefix
 * PCC_GATEWAY_GROUP), starting at the end of the topics and committing nothing, so instances do
 * not split the replies between them and leave no offsets behind. Records are keyed by case id,
 * so only the records a request waits for are decoded. A waiter is registered before its case is
 * published, so a reply that comes back fast is never missed; a reply that still slips past (the
 * consumer was rebalancing) is found in Postgres once the sink has stored it.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Codec } from '../lib/codec';
import { superviseConsumer, type SupervisedConsumer } from '../lib/consumer-supervisor';
import type { Logger } from '../lib/logger';
import { withTimeout } from '../lib/retry';

export type Reply =
  | { kind: 'prediction'; value: Record<string, unknown> }
  | { kind: 'dead_letter'; value: Record<string, unknown> };

export interface Waiter {
  /** Resolves with the reply, or null when `timeoutMs` passes first. */
  wait(timeoutMs: number): Promise<Reply | null>;
  cancel(): void;
}

export interface ReplyListener {
  /** Connects and resolves once the consumer has joined its group (or `joinTimeoutMs` passed). */
  start(joinTimeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  expect(caseId: string): Waiter;
  ready(): boolean;
  pending(): number;
}

export function createReplyListener(deps: { kafka: Kafka; codec: Codec; logger: Logger; topics: { predictions: string; dlq: string }; groupPrefix: string }): ReplyListener {
  const log = deps.logger.child({ component: 'gateway-replies' });
  const waiting = new Map<string, Set<(r: Reply) => void>>();
  const groupId = `${deps.groupPrefix}.${hostname()}.${process.pid}.${randomBytes(3).toString('hex')}`;
  let supervised: SupervisedConsumer | null = null;
  let joined = false;

  function deliver(caseId: string, reply: Reply): void {
    const set = waiting.get(caseId);
    if (!set) return;
    waiting.delete(caseId);
    for (const resolve of set) resolve(reply);
  }

  return {
    async start(joinTimeoutMs = 30_000) {
      let onJoin: () => void = () => undefined;
      const joinedP = new Promise<void>((resolve) => (onJoin = resolve));
      // Supervised (lib/consumer-supervisor.ts): after a broker restart that kafkajs does not recover
      // from, a new consumer joins the same group. It never gives up: without replies
      // /v1/classify still answers from Postgres, and the gateway's other routes need no Kafka.
      supervised = superviseConsumer({
        name: 'reply',
        logger: log,
        maxRebuilds: Number.POSITIVE_INFINITY,
        create: () => {
          const c = deps.kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000, maxWaitTimeInMs: 50, allowAutoTopicCreation: false });
          // Readiness after a crash is the supervisor's `crashed`, cleared when a consumer rejoins.
          c.on(c.events.GROUP_JOIN, () => {
            joined = true;
            onJoin();
          });
          return c;
        },
        run: async (c) => {
          await c.connect();
          await c.subscribe({ topics: [deps.topics.predictions, deps.topics.dlq], fromBeginning: false });
          await c.run({
            autoCommit: false,
            partitionsConsumedConcurrently: 4,
            eachBatch: async ({ batch }) => {
              const isDlq = batch.topic === deps.topics.dlq;
              for (const m of batch.messages) {
                const key = m.key?.toString('utf8');
                if (!key || !waiting.has(key)) continue;
                try {
                  const { value } = await deps.codec.decode<Record<string, unknown>>(m.value, isDlq ? 'DeadLetter' : 'Prediction');
                  deliver(key, { kind: isDlq ? 'dead_letter' : 'prediction', value });
                } catch (err) {
                  log.warn('reply record could not be decoded', { topic: batch.topic, partition: batch.partition, offset: m.offset, code: (err as { code?: string }).code });
                }
              }
            },
          });
        },
      });
      await supervised.start();
      // Until the group is joined a fast reply could be missed; /readyz says so meanwhile.
      const timedOut = await withTimeout(joinedP.then(() => false), joinTimeoutMs, () => true);
      if (timedOut) log.warn('reply consumer has not joined its group yet; /v1/classify falls back to Postgres until it does', { wait_ms: joinTimeoutMs });
    },
    async stop() {
      const c = supervised;
      supervised = null;
      joined = false;
      await c?.stop();
    },
    expect(caseId: string): Waiter {
      let resolveFn: (r: Reply | null) => void = () => undefined;
      const settled = new Promise<Reply | null>((resolve) => (resolveFn = resolve));
      const onReply = (r: Reply) => resolveFn(r);
      let set = waiting.get(caseId);
      if (!set) waiting.set(caseId, (set = new Set()));
      set.add(onReply);
      const remove = () => {
        const s = waiting.get(caseId);
        if (!s) return;
        s.delete(onReply);
        if (s.size === 0) waiting.delete(caseId);
      };
      return {
        async wait(timeoutMs: number) {
          try {
            return await withTimeout(settled, timeoutMs, () => null);
          } finally {
            remove();
          }
        },
        cancel() {
          remove();
          resolveFn(null);
        },
      };
    },
    ready: () => joined && !supervised?.crashed,
    pending: () => waiting.size,
  };
}
