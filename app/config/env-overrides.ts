/** One value taken from the environment, with the variable it came from (for error messages). */
export interface EnvOverride {
  path: string[];
  value: unknown;
  source: string;
}

/** SLUICE_* variables that are not config keys. */
const NOT_KEYS = new Set(['SLUICE_CONFIG']);

const NAMED: Record<string, (value: string) => EnvOverride[]> = {
  SLUICE_PORT: (v) => [{ path: ['port'], value: parseScalar(v), source: 'SLUICE_PORT' }],
  LOG_LEVEL: (v) => [{ path: ['log', 'level'], value: v, source: 'LOG_LEVEL' }],
  KAFKA_BROKERS: (v) => [
    { path: ['transport', 'kind'], value: 'kafka', source: 'KAFKA_BROKERS' },
    {
      path: ['transport', 'kafka', 'brokers'],
      value: v
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      source: 'KAFKA_BROKERS',
    },
  ],
  REDIS_URL: (v) => [
    { path: ['sinks', 'redis', 'url'], value: v, source: 'REDIS_URL' },
    { path: ['features', 'store'], value: 'redis', source: 'REDIS_URL' },
    { path: ['features', 'redis', 'url'], value: v, source: 'REDIS_URL' },
  ],
};

/**
 * Environment variables that override config keys. Besides the named ones, `SLUICE_A__B_C=v` sets
 * key `a.bC` (double underscore between levels, SNAKE_CASE becomes camelCase); values parse as
 * JSON where they can (`64`, `true`, `["cuda","cpu"]`) and as strings otherwise.
 */
export function envOverrides(env: NodeJS.ProcessEnv): EnvOverride[] {
  // Named variables first, so an explicit SLUICE_* key wins whatever the environment's order
  // (REDIS_URL with SLUICE_FEATURES__STORE=memory keeps the memory store).
  const named: EnvOverride[] = [];
  const overrides: EnvOverride[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || raw === '') continue;
    const expand = NAMED[name];
    if (expand) named.push(...expand(raw));
    else if (name.startsWith('SLUICE_') && !NOT_KEYS.has(name)) {
      overrides.push({
        path: name.slice(7).split('__').map(camelCase),
        value: parseScalar(raw),
        source: name,
      });
    }
  }
  return [...named, ...overrides];
}

function camelCase(snake: string): string {
  return snake.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function parseScalar(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function applyOverride(target: Record<string, unknown>, override: EnvOverride): void {
  let node = target;
  for (const key of override.path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[override.path.at(-1)!] = override.value;
}
