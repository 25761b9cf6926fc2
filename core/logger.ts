import { type DestinationStream, type Logger, pino } from 'pino';
import { knownSecrets, logRedaction, scrubSecrets } from './secrets.ts';

export type { Logger };

/** Where a logger writes and what else it hides; the defaults suit the CLI. */
export interface LoggerOptions {
  /** Default: stdout. */
  destination?: DestinationStream;
  /** Values to replace by `***` in every line, besides those loadConfig remembered (core/secrets.ts). */
  secrets?: readonly string[];
}

const redact = logRedaction();

/**
 * The process-wide logger. JSON lines on stdout; `LOG_LEVEL` or config `log.level` sets the level.
 * Secrets never reach a line: the secret config keys are redacted wherever a config section or a
 * URL is logged (pino `redact`), and every line is scrubbed of the secret values the config holds.
 */
export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  options: LoggerOptions = {},
): Logger {
  const extra = options.secrets ?? [];
  const settings = {
    level,
    base: { service: 'sluice' },
    redact,
    hooks: { streamWrite: (line: string) => scrubSecrets(line, [...extra, ...knownSecrets()]) },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A logger that drops everything: tests and benchmarks that must not print. */
export const silentLogger: Logger = pino({ level: 'silent' });
