import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { rememberSecrets, scrubSecrets, secretValues } from '../../core/secrets.ts';
import { configSchema, type SluiceConfig } from './config-schema.ts';
import { applyOverride, envOverrides } from './env-overrides.ts';
import { MOVED_KEYS } from './moved-keys.ts';

// yaml loads only when a config file is given (about 25 ms of startup otherwise spent for nothing).
const require = createRequire(import.meta.url);
const parseYaml = (text: string): unknown => (require('yaml') as typeof import('yaml')).parse(text);

/** Where config comes from: an optional YAML/JSON file, then environment overrides on top. */
export interface LoadConfigOptions {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads, merges and validates the config. Called once by the CLI before anything starts; every
 * problem is reported at once as a ConfigError naming the key (and the variable or file it came
 * from), which the CLI turns into exit code 2. The secrets the input holds (core/secrets.ts) are
 * remembered, so logs and error output scrub them, and never appear in the messages thrown here.
 */
export function loadConfig(options: LoadConfigOptions = {}): SluiceConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.SLUICE_CONFIG;
  const raw: Record<string, unknown> = file ? readConfigFile(file) : {};
  const sources = new Map<string, string>();
  for (const override of envOverrides(env)) {
    applyOverride(raw, override);
    sources.set(override.path.join('.'), override.source);
  }
  const secrets = secretValues(raw);
  rememberSecrets(secrets);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const message = scrubSecrets(formatIssues(parsed.error.issues, sources, file), secrets);
    throw new ConfigError('SLUICE_CONFIG_INVALID', message, {
      subject: parsed.error.issues[0]?.path.join('.'),
    });
  }
  return parsed.data;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      'SLUICE_CONFIG_FILE_UNREADABLE',
      `config file "${file}" cannot be read: ${(error as Error).message}`,
      {
        subject: file,
      },
    );
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    // The parser's message ends with the offending source line, which may hold a password: keep
    // only its first line (what is wrong, at which line and column).
    const what = ((error as Error).message.split('\n')[0] ?? '').replace(/:$/, '');
    throw new ConfigError('SLUICE_CONFIG_INVALID', `config file "${file}" is not valid YAML/JSON: ${what}`, {
      subject: file,
    });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `config file "${file}" must hold a mapping of keys at the top level`,
      { subject: file },
    );
  }
  return value as Record<string, unknown>;
}

function formatIssues(
  issues: z.core.$ZodIssue[],
  sources: Map<string, string>,
  file: string | undefined,
): string {
  const lines = issues.map((issue) => {
    const keys =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((k) => [...issue.path, k].join('.'))
        : [issue.path.join('.')];
    return keys
      .map((key) => {
        const source = sources.get(key) ?? (file ? `in ${file}` : 'default');
        const moved = MOVED_KEYS[key];
        const what =
          issue.code !== 'unrecognized_keys'
            ? issue.message
            : moved
              ? `unknown key; it moved to ${moved}`
              : 'unknown key';
        return `  ${key || '(top level)'}: ${what} (${source.startsWith('in ') || source === 'default' ? source : `from ${source}`})`;
      })
      .join('\n');
  });
  return `invalid config:\n${lines.join('\n')}`;
}
