import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { currentContext } from '@libs/tenancy';

/**
 * One JSON logger for the process. Every line carries the request id and the tenant slug
 * of the request being served (read from the request context), and known secret-bearing
 * fields are redacted.
 */
export function createLogger(level: string, name = 'entraide', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Fastify's request loggers already bind reqId; other loggers get it from the context.
    mixin(_merge, _level, logger) {
      const ctx = currentContext();
      if (!ctx) return {};
      return logger.bindings().reqId
        ? { tenant: ctx.tenant?.slug }
        : { reqId: ctx.requestId, tenant: ctx.tenant?.slug };
    },
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'res.headers["set-cookie"]',
        '*.password',
        '*.token',
        'password',
        'token',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string; headers: Record<string, string>; ip?: string }) => ({
        method: req.method,
        url: req.url.replace(/([?&](?:token|cursor)=)[^&]+/g, '$1…'),
        host: req.headers?.host,
      }),
      err: pino.stdSerializers.err,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Nest's logger interface over pino, so framework messages are JSON lines too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
