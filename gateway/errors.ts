/**
 * The gateway's one error shape: `{statusCode, code, error, message}` (plus `details` for
 * validation failures and `case_id` where the client needs it), whatever went wrong, never a
 * stack trace. Codes come from the error catalogue (lib/errors.ts, docs/errors.md).
 */
import http from 'node:http';
import type { ErrorRequestHandler, Response } from 'express';
import { ERROR_CATALOGUE, PccError, toPccError, type ErrorCode } from '../lib/errors';
import { isDbUnavailable } from '../lib/db';
import type { Logger } from '../lib/logger';

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  error: string;
  message: string;
  details?: unknown[];
  case_id?: string;
}

export class HttpError extends PccError {
  readonly status: number;
  readonly details?: unknown[];
  readonly extra: Record<string, string>;

  constructor(code: ErrorCode, message: string, opts: { status?: number; details?: unknown[]; extra?: Record<string, string> } = {}) {
    super(code, message);
    this.status = opts.status ?? ERROR_CATALOGUE[code].httpStatus;
    this.details = opts.details;
    this.extra = opts.extra ?? {};
  }
}

export function errorBody(status: number, code: ErrorCode, message: string, extra: Partial<ErrorBody> = {}): ErrorBody {
  return { statusCode: status, code, error: http.STATUS_CODES[status] ?? 'Error', message, ...extra };
}

export function sendError(res: Response, status: number, code: ErrorCode, message: string, extra: Partial<ErrorBody> = {}): void {
  res.status(status).json(errorBody(status, code, message, extra));
}

/** body-parser's failures, by its `type`, as catalogue codes. */
function fromBodyParser(err: { type?: string; status?: number }): HttpError | null {
  switch (err.type) {
    case 'entity.too.large':
      return new HttpError('PCC_HTTP_PAYLOAD_TOO_LARGE', 'request body is larger than the limit');
    case 'entity.parse.failed':
      return new HttpError('PCC_HTTP_BAD_JSON', 'request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError('PCC_HTTP_UNSUPPORTED_MEDIA', 'request body charset or encoding is not supported (send UTF-8 JSON)');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new HttpError('PCC_HTTP_VALIDATION', 'request body could not be read', { status: 400 });
    default:
      return null;
  }
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const parsed = err instanceof HttpError ? err : fromBodyParser(err as { type?: string });
    if (parsed) {
      sendError(res, parsed.status, parsed.code, parsed.message, { ...(parsed.details ? { details: parsed.details } : {}), ...parsed.extra });
      return;
    }
    // A service that is down is a 503 the client may retry, not an internal error.
    let e = toPccError(err);
    if (e.code === 'PCC_INTERNAL' && isDbUnavailable(err)) e = new PccError('PCC_DB_UNAVAILABLE', 'Postgres is not reachable', {}, { cause: err });
    else if (e.code === 'PCC_INTERNAL' && /^KafkaJS/.test((err as Error)?.name ?? '')) e = new PccError('PCC_KAFKA_UNAVAILABLE', 'Kafka is not reachable', {}, { cause: err });
    const status = e.httpStatus >= 400 ? e.httpStatus : 500;
    if (status === 503) res.setHeader('Retry-After', '5');
    if (status >= 500) logger.error('request failed', { code: e.code, error: e.message.slice(0, 300) });
    // A 5xx says what kind of failure without internals; a catalogued 4xx keeps its message.
    const message = status >= 500 ? (e.code === 'PCC_INTERNAL' ? 'internal error' : ERROR_CATALOGUE[e.code].description) : e.message;
    sendError(res, status, e.code, message);
  };
}
