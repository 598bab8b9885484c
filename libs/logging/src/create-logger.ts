import { trace } from '@opentelemetry/api';
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export interface LoggerSettings {
  /** Service name put on every line as `service`. */
  readonly service: string;
  readonly level?: LoggerOptions['level'];
  /** Extra paths to redact (pino path syntax), on top of the defaults for credentials. */
  readonly redact?: readonly string[];
  /** Where lines go; defaults to stdout. Tests pass a stream to read lines back. */
  readonly destination?: pino.DestinationStream;
}

/** Credentials that must never reach a log line, wherever they sit in a logged object. */
export const defaultRedactPaths = [
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'webhookUrl',
  '*.webhookUrl',
];

/**
 * The one root logger of a process: JSON lines, errors under `err`, redaction compiled once,
 * and the active OpenTelemetry trace and span ids on every line so logs join traces.
 * Per-message context goes into child loggers (`logger.child({ topic, partition, offset })`).
 */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...defaultRedactPaths, ...(settings.redact ?? [])], censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const ctx = span.spanContext();
      return { trace_id: ctx.traceId, span_id: ctx.spanId };
    },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options, pino.destination({ sync: false }));
}

/** Flushes buffered log lines; call last in shutdown so the final lines are not lost. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.flush(() => resolve());
  });
}
