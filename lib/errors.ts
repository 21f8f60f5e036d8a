/**
 * The error catalogue: every error PCC raises or records has a stable code from this list.
 * Callers branch on `code`, never on message text. docs/errors.md documents each code and a
 * test keeps the two in step. Dead letters carry the code as reason_code.
 */

export interface ErrorSpec {
  /** Whether retrying the same operation may succeed (a lost connection) or not (bad input). */
  retriable: boolean;
  /** HTTP status the gateway answers with when the error reaches a client. */
  httpStatus: number;
  description: string;
}

export const ERROR_CATALOGUE = {
  // configuration and programming
  PCC_CONFIG_INVALID: { retriable: false, httpStatus: 500, description: 'A configuration variable is missing or malformed; the process stops at start.' },
  PCC_INTERNAL: { retriable: false, httpStatus: 500, description: 'An unexpected internal error (a bug); never retried.' },
  // infrastructure (transient)
  PCC_KAFKA_UNAVAILABLE: { retriable: true, httpStatus: 503, description: 'Kafka could not be reached or refused the request; retried with backoff.' },
  PCC_REGISTRY_UNAVAILABLE: { retriable: true, httpStatus: 503, description: 'The schema registry could not be reached; retried with backoff.' },
  PCC_DB_UNAVAILABLE: { retriable: true, httpStatus: 503, description: 'PostgreSQL could not be reached or the connection was lost; retried with backoff.' },
  PCC_MIGRATION_FAILED: { retriable: false, httpStatus: 500, description: 'A migration failed or an applied migration file was changed after it was applied.' },
  PCC_SCHEMA_INCOMPATIBLE: { retriable: false, httpStatus: 409, description: 'The registry refused a schema as incompatible with the registered versions.' },
  // decoding (dead letters)
  PCC_DECODE_EMPTY: { retriable: false, httpStatus: 400, description: 'The record has no value (null or zero bytes).' },
  PCC_DECODE_MAGIC_BYTE: { retriable: false, httpStatus: 400, description: 'The value does not start with the Confluent wire-format magic byte 0.' },
  PCC_DECODE_UNKNOWN_SCHEMA: { retriable: false, httpStatus: 400, description: 'The schema id in the value is not known to the registry.' },
  PCC_DECODE_WRONG_SCHEMA: { retriable: false, httpStatus: 400, description: 'The value was written with a schema that is not a Case for this topic.' },
  PCC_DECODE_AVRO: { retriable: false, httpStatus: 400, description: 'The Avro payload is truncated or malformed.' },
  PCC_DECODE_INVALID_UTF8: { retriable: false, httpStatus: 400, description: 'A string field holds bytes that are not valid UTF-8.' },
  // validation (dead letters)
  PCC_VALIDATION_MISSING_FIELD: { retriable: false, httpStatus: 400, description: 'A required field (case_id, body, received_at) is missing or empty.' },
  PCC_VALIDATION_EMPTY_BODY: { retriable: false, httpStatus: 400, description: 'The body is empty or only white space.' },
  PCC_VALIDATION_BODY_TOO_LARGE: { retriable: false, httpStatus: 413, description: 'The body is larger than PCC_MAX_BODY_BYTES (1 MB by default).' },
  PCC_VALIDATION_BAD_CHANNEL: { retriable: false, httpStatus: 400, description: 'The channel is not one of email, chat, ticket, form, phone_transcript.' },
  PCC_VALIDATION_BAD_TIMESTAMP: { retriable: false, httpStatus: 400, description: 'received_at is not a valid time.' },
  PCC_VALIDATION_BAD_FIELD: { retriable: false, httpStatus: 400, description: 'A field has a value of the wrong form (jurisdiction, intent, id length...).' },
  PCC_SYNTHETIC_ON_REAL_TOPIC: { retriable: false, httpStatus: 400, description: 'A synthetic case (with batch or ground truth) reached a real stream, or the reverse.' },
  // warnings on repaired cases (never dead-lettered)
  PCC_WARN_BODY_TRUNCATED: { retriable: false, httpStatus: 200, description: 'Warning: the body was longer than PCC_MAX_BODY_CHARS and only its start was classified.' },
  PCC_WARN_FUTURE_TIMESTAMP: { retriable: false, httpStatus: 200, description: 'Warning: received_at was in the future and was replaced by the processing time.' },
  PCC_WARN_NUL_REMOVED: { retriable: false, httpStatus: 200, description: 'Warning: NUL characters (U+0000), which Postgres text cannot hold, were removed from the case\'s strings.' },
  PCC_WARN_UNKNOWN_JURISDICTION: { retriable: false, httpStatus: 200, description: 'Warning: the jurisdiction was not GDPR or CCPA; the GDPR deadline was applied.' },
  // classification
  PCC_MODEL_LOAD_FAILED: { retriable: false, httpStatus: 500, description: 'The model could not be loaded from its directory.' },
  PCC_CLASSIFY_FAILED: { retriable: false, httpStatus: 500, description: 'The model raised an error on a batch.' },
  // command-line input
  PCC_INPUT_INVALID_JSON: { retriable: false, httpStatus: 400, description: 'An input line is not valid JSON.' },
  PCC_INPUT_NO_TEXT: { retriable: false, httpStatus: 400, description: 'An input line has no text (or body).' },
  PCC_INPUT_UNREADABLE: { retriable: false, httpStatus: 400, description: 'The input file cannot be read.' },
  // gateway
  PCC_HTTP_UNAUTHORIZED: { retriable: false, httpStatus: 401, description: 'No API key, or an unknown one.' },
  PCC_HTTP_FORBIDDEN: { retriable: false, httpStatus: 403, description: 'The API key\'s role does not allow this route.' },
  PCC_HTTP_NOT_FOUND: { retriable: false, httpStatus: 404, description: 'No such route or resource.' },
  PCC_HTTP_METHOD_NOT_ALLOWED: { retriable: false, httpStatus: 405, description: 'The route exists but not with this HTTP method.' },
  PCC_HTTP_BAD_JSON: { retriable: false, httpStatus: 400, description: 'The request body is not valid JSON.' },
  PCC_HTTP_VALIDATION: { retriable: false, httpStatus: 400, description: 'The request body or query does not match the API schema.' },
  PCC_HTTP_BATCH_TOO_LARGE: { retriable: false, httpStatus: 400, description: 'More cases in one request than the batch limit (500).' },
  PCC_HTTP_PAYLOAD_TOO_LARGE: { retriable: false, httpStatus: 413, description: 'The request body is larger than the limit (1 MB by default).' },
  PCC_HTTP_UNSUPPORTED_MEDIA: { retriable: false, httpStatus: 415, description: 'The request body is not application/json.' },
  PCC_HTTP_RATE_LIMITED: { retriable: true, httpStatus: 429, description: 'Too many requests for this API key; retry after Retry-After seconds.' },
  PCC_HTTP_TIMEOUT: { retriable: true, httpStatus: 504, description: 'The prediction did not arrive in time; poll GET /v1/cases/{id}/prediction.' },
  // synthetic generation
  PCC_LLM_UNAVAILABLE: { retriable: true, httpStatus: 503, description: 'The LLM server could not be reached, timed out or answered 429/5xx.' },
  PCC_LLM_BAD_OUTPUT: { retriable: false, httpStatus: 502, description: 'The LLM reply was not valid JSON for the case schema and could not be repaired.' },
  PCC_BATCH_IMMUTABLE: { retriable: false, httpStatus: 409, description: 'A published synthetic batch cannot be changed; generate a new batch.' },
  PCC_BATCH_NOT_FOUND: { retriable: false, httpStatus: 404, description: 'No synthetic batch with that id.' },
  PCC_LLM_REJECTED: { retriable: false, httpStatus: 502, description: 'The LLM server refused the request with a 4xx other than 408/429 (bad key, unknown model, bad request); not retried.' },
  PCC_BATCH_NOT_PUBLISHABLE: { retriable: false, httpStatus: 409, description: 'The synthetic batch is still generating or failed, so it cannot be published or replayed.' },
  PCC_SYNTH_TARGETS_INVALID: { retriable: false, httpStatus: 400, description: 'The synthetic diversity targets (PCC_SYNTH_TARGETS or a request\'s targets) are not valid: unknown intent, style or language, or a negative weight.' },
  PCC_SYNTH_DUPLICATE: { retriable: false, httpStatus: 200, description: 'A generated case was rejected as an exact or near duplicate (MinHash Jaccard at or above PCC_SYNTH_DEDUP_JACCARD) of an earlier case of its batch.' },
  PCC_SYNTH_LABEL_DISAGREES: { retriable: false, httpStatus: 200, description: 'The classifier\'s prediction for a generated case disagrees with its intended intent; the case is kept and flagged for review.' },
  // drift monitor and alerts
  PCC_DRIFT_REFERENCE_INVALID: { retriable: false, httpStatus: 500, description: 'The frozen drift reference file (PCC_DRIFT_REFERENCE_FILE) cannot be read or holds no usable predictions.' },
  PCC_DRIFT_EMBEDDING_DIM: { retriable: false, httpStatus: 200, description: 'A prediction\'s embedding has another dimension than its window; it is counted but left out of the embedding metrics.' },
  PCC_DRIFT_UNATTRIBUTED: { retriable: false, httpStatus: 200, description: 'A dead letter names neither a source nor a case topic, so the drift monitor cannot count it in a source\'s window; counted in pcc_drift_unreadable_records_total and skipped.' },
  PCC_WEBHOOK_FAILED: { retriable: true, httpStatus: 503, description: 'The alert webhook could not be reached, timed out or answered 408/429/5xx; retried with backoff, then dropped.' },
  PCC_WEBHOOK_REJECTED: { retriable: false, httpStatus: 502, description: 'The alert webhook refused the post with a 4xx (revoked or wrong URL); not retried.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, x);
}

export class PccError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PccError';
    this.code = code;
    this.retriable = ERROR_CATALOGUE[code].retriable;
    this.context = context;
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].httpStatus;
  }
}

export class ConfigError extends PccError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('PCC_CONFIG_INVALID', message, context);
    this.name = 'ConfigError';
  }
}

/** Anything thrown, as a PccError (unknown errors become PCC_INTERNAL, not retriable). */
export function toPccError(err: unknown, fallback: ErrorCode = 'PCC_INTERNAL'): PccError {
  if (err instanceof PccError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PccError(fallback, message, {}, { cause: err });
}
