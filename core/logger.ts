import { type Logger, pino } from 'pino';

export type { Logger };

/** The process-wide logger. JSON lines on stdout; `LOG_LEVEL` or config `log.level` sets the level. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'sluice' } });
}

/** A logger that drops everything: tests and benchmarks that must not print. */
export const silentLogger: Logger = pino({ level: 'silent' });
