/**
 * The one logger factory (STYLE.md §9). JSON lines in production, readable lines in development.
 * Components take a child logger with their name and structured fields.
 *
 * Case text must never reach a log line. As a second line of defence behind the code's own
 * discipline, any field named like a case body is dropped before formatting.
 */
import winston from 'winston';

export type Logger = winston.Logger;

/** Field names that could carry case text; their values are replaced before a line is written. */
const FORBIDDEN_FIELDS = new Set(['body', 'text', 'subject', 'payload', 'raw', 'excerpt', 'redacted_excerpt', 'conversation']);

const dropCaseText = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (FORBIDDEN_FIELDS.has(key)) (info as Record<string, unknown>)[key] = '[omitted]';
  }
  return info;
});

export interface LoggerOptions {
  level?: string;
  json?: boolean;
  /** Name of the process or component: the `component` field of every line. */
  component?: string;
  /** Write to stderr (default) so stdout stays free for command output. */
  silent?: boolean;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const json = opts.json ?? process.env.PCC_ENV === 'production';
  const format = json
    ? winston.format.combine(dropCaseText(), winston.format.timestamp(), winston.format.errors({ stack: false }), winston.format.json())
    : winston.format.combine(
        dropCaseText(),
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.printf((info) => {
          const { timestamp, level, message, component, ...rest } = info as Record<string, unknown>;
          const fields = Object.entries(rest)
            .filter(([k]) => typeof k === 'string' && !k.startsWith('Symbol('))
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          return `${timestamp} ${String(level).padEnd(5)} [${component ?? 'pcc'}] ${message}${fields ? ' ' + fields : ''}`;
        }),
      );
  return winston.createLogger({
    level: opts.level ?? 'info',
    silent: opts.silent ?? false,
    defaultMeta: { component: opts.component ?? 'pcc' },
    format,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] })],
  });
}

/** A child logger for a component, keeping the parent's transports and level. */
export function componentLogger(parent: Logger, component: string, fields: Record<string, unknown> = {}): Logger {
  return parent.child({ component, ...fields });
}
