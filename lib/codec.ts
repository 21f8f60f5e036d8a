/**
 * Avro codec over the Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro
 * binary), through @kafkajs/confluent-schema-registry. Decoding is split into steps so that
 * each way a record can be broken gets its own dead-letter reason code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import * as avro from 'avsc';
import type { Type } from 'avsc';
import type { PccConfig } from './config';
import { float32ArrayHook } from './avro-float32';
import { anyStringIncludes } from './avro-values';
import { PccError } from './errors';

export const SCHEMAS_DIR = path.resolve(__dirname, '..', 'schemas');

export const SCHEMA_FILES = {
  Case: 'case.avsc',
  SyntheticCase: 'synthetic-case.avsc',
  Prediction: 'prediction.avsc',
  DeadLetter: 'dead-letter.avsc',
  Alert: 'alert.avsc',
} as const;
export type SchemaName = keyof typeof SCHEMA_FILES;

export function readSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMAS_DIR, SCHEMA_FILES[name]), 'utf8'));
}

/** Topic → value schema, as fixed by the design. */
export function topicSchemas(config: Pick<PccConfig, 'topics'>): Record<string, SchemaName> {
  const t = config.topics;
  return {
    [t.casesReal]: 'Case',
    [t.casesSynthetic]: 'SyntheticCase',
    [t.predictions]: 'Prediction',
    [t.dlq]: 'DeadLetter',
    [t.alerts]: 'Alert',
  };
}

export function subjectFor(topic: string): string {
  return `${topic}-value`;
}

/**
 * float32Arrays: decode every array<float> as a Float32Array (lib/avro-float32.ts), for a consumer
 * that only passes such arrays on (the Postgres sink); the default is avsc's number[].
 */
export function createRegistry(config: Pick<PccConfig, 'registry'>, options: { float32Arrays?: boolean } = {}): SchemaRegistry {
  return new SchemaRegistry(
    { host: config.registry.url, retry: { retries: 5, initialRetryTimeInSecs: 0.2, maxRetryTimeInSecs: 5 } },
    options.float32Arrays ? { [SchemaType.AVRO]: { typeHook: float32ArrayHook } } : undefined,
  );
}

function isRegistryUnavailable(err: unknown): boolean {
  const e = err as { status?: number; code?: string; message?: string };
  if (typeof e?.status === 'number') return e.status >= 500 || e.status === 429;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|fetch failed|Timeout/i.test(`${e?.code ?? ''} ${e?.message ?? ''}`);
}

/** Registers a schema under a subject (idempotent: the same schema returns the same id). */
export async function registerSchema(registry: SchemaRegistry, subject: string, schema: Record<string, unknown>): Promise<number> {
  try {
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    return id;
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 409 || /incompatible/i.test((err as Error).message)) {
      throw new PccError('PCC_SCHEMA_INCOMPATIBLE', `subject ${subject}: ${(err as Error).message}`, { subject }, { cause: err });
    }
    throw new PccError(isRegistryUnavailable(err) ? 'PCC_REGISTRY_UNAVAILABLE' : 'PCC_INTERNAL', `registering ${subject}: ${(err as Error).message}`, { subject }, { cause: err });
  }
}

/** Registers the five design schemas under `<topic>-value`; returns subject → id. */
export async function registerDesignSchemas(registry: SchemaRegistry, config: Pick<PccConfig, 'topics'>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [topic, name] of Object.entries(topicSchemas(config))) {
    out[subjectFor(topic)] = await registerSchema(registry, subjectFor(topic), readSchema(name));
  }
  return out;
}

export interface DecodedRecord<T> {
  schemaId: number;
  schemaName: string;
  value: T;
}

export interface Codec {
  /** Encodes with the latest schema registered under `<topic>-value`. */
  encode(topic: string, value: unknown): Promise<Buffer>;
  /** Decodes one Confluent-framed value; throws a non-retriable PccError with a decode code for bad input. */
  decode<T = Record<string, unknown>>(buf: Buffer | null, expected?: SchemaName): Promise<DecodedRecord<T>>;
  /** Schema id used for a topic (after the first encode or `prepare`). */
  prepare(topic: string): Promise<number>;
  /**
   * A synchronous encoder for `<topic>-value`'s latest schema, for hot paths that encode many
   * values: no promise and no registry cache lookup per value, and the values of one encoder
   * share large buffers instead of being allocated and copied one by one. Throws like `encode`
   * on a value that does not fit the schema.
   */
  encoderFor(topic: string): Promise<(value: unknown) => Buffer>;
  /**
   * The writer schema of a schema id, as the registry's JSON (avsc's `schema()`), fetched once.
   * Throws like `decode` for an unknown id or an unreachable registry.
   */
  writerSchema(schemaId: number): Promise<unknown>;
}

/** Bytes per shared buffer of an `encoderFor` encoder; a value larger than this gets its own. */
const ENCODER_SLAB_BYTES = 1024 * 1024;

export function createCodec(registry: SchemaRegistry): Codec {
  const idByTopic = new Map<string, Promise<number>>();
  /** Each schema id's type, with its short name (the record name without namespace), fetched once. */
  const typeById = new Map<number, Promise<{ type: Type; name: string }>>();

  function idFor(topic: string): Promise<number> {
    let p = idByTopic.get(topic);
    if (!p) {
      p = registry.getLatestSchemaId(subjectFor(topic)).catch((err: unknown) => {
        idByTopic.delete(topic);
        throw new PccError(isRegistryUnavailable(err) ? 'PCC_REGISTRY_UNAVAILABLE' : 'PCC_INTERNAL', `no schema for ${subjectFor(topic)}: ${(err as Error).message}`, { topic }, { cause: err });
      });
      idByTopic.set(topic, p);
    }
    return p;
  }

  function typeFor(id: number): Promise<{ type: Type; name: string }> {
    let p = typeById.get(id);
    if (!p) {
      p = (registry.getSchema(id) as Promise<unknown>).then(
        (t) => ({ type: t as Type, name: ((t as Type).name ?? '').split('.').pop() ?? '' }),
        (err: unknown) => {
          typeById.delete(id);
          if (isRegistryUnavailable(err)) throw new PccError('PCC_REGISTRY_UNAVAILABLE', `registry unavailable fetching schema ${id}`, { schemaId: id }, { cause: err });
          throw new PccError('PCC_DECODE_UNKNOWN_SCHEMA', `schema id ${id} is not known to the registry`, { schemaId: id }, { cause: err });
        },
      );
      typeById.set(id, p);
    }
    return p;
  }

  return {
    prepare: idFor,
    writerSchema: async (schemaId) => (await typeFor(schemaId)).type.schema(),
    async encoderFor(topic) {
      const id = await idFor(topic);
      // The registered schema, with array<float> written from a number[] or a Float32Array
      // (lib/avro-float32.ts; same bytes): the processor hands over the model's embedding view.
      const type = avro.Type.forSchema((await typeFor(id)).type.schema() as avro.Schema, { typeHook: float32ArrayHook as never });
      let slab = Buffer.allocUnsafe(ENCODER_SLAB_BYTES);
      let pos = 0;
      return (value) => {
        for (let need = 64; ; ) {
          if (slab.length - pos < 5 + need) {
            // Values already handed out keep their part of the old slab alive; nothing is reused.
            slab = Buffer.allocUnsafe(Math.max(ENCODER_SLAB_BYTES, 5 + need));
            pos = 0;
          }
          let end: number;
          try {
            end = type.encode(value, slab, pos + 5);
          } catch (err) {
            throw new PccError('PCC_INTERNAL', `value does not fit the schema of ${subjectFor(topic)}: ${(err as Error).message}`, { topic, schemaId: id }, { cause: err });
          }
          if (end >= 0) {
            slab[pos] = 0;
            slab.writeInt32BE(id, pos + 1);
            const out = slab.subarray(pos, end);
            pos = end;
            return out;
          }
          // avsc reports how many bytes were missing; the next slab has room for the whole value.
          need = slab.length - pos - 5 - end;
          pos = slab.length;
        }
      };
    },
    async encode(topic, value) {
      const id = await idFor(topic);
      return registry.encode(id, value);
    },
    async decode<T>(buf: Buffer | null, expected?: SchemaName): Promise<DecodedRecord<T>> {
      if (!buf || buf.length === 0) throw new PccError('PCC_DECODE_EMPTY', 'record has no value');
      if (buf.length < 5 || buf[0] !== 0) {
        throw new PccError('PCC_DECODE_MAGIC_BYTE', `value does not start with the Confluent magic byte (first byte ${buf[0]})`);
      }
      const schemaId = buf.readInt32BE(1);
      const { type, name: schemaName } = await typeFor(schemaId);
      if (expected && schemaName !== expected) {
        throw new PccError('PCC_DECODE_WRONG_SCHEMA', `value was written as ${schemaName || 'an unnamed schema'}, expected ${expected}`, { schemaId });
      }
      const payload = buf.subarray(5);
      let value: T;
      try {
        value = type.fromBuffer(payload) as T;
      } catch (err) {
        throw new PccError('PCC_DECODE_AVRO', `Avro payload is malformed: ${(err as Error).message}`, { schemaId }, { cause: err });
      }
      // avsc replaces invalid UTF-8 with U+FFFD without complaint. Only when one appears is the
      // record re-encoded and compared: a genuine U+FFFD round-trips, a repaired byte does not.
      if (anyStringIncludes(value, '\uFFFD') && !type.toBuffer(value).equals(payload)) {
        throw new PccError('PCC_DECODE_INVALID_UTF8', 'a string field is not valid UTF-8', { schemaId });
      }
      return { schemaId, schemaName, value };
    },
  };
}

