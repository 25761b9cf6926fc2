/**
 * Credentials in the config, declared once. Every output hides them as `***`: `sluice config`
 * (unless `--show-secrets`), config-error messages and log lines. To add a credential (a live-feed
 * token, say), append its key path to SECRET_KEYS; nothing else needs to change.
 *
 * Three layers, because no single one sees everything:
 * - by key: `redactSecrets` (printed config) and the logger's pino `redact` paths (`logRedaction`),
 *   for a config section or a URL logged as an object;
 * - by value: `rememberSecrets` (called by loadConfig with what the file and environment hold) and
 *   `scrubSecrets`, which replace those values in any text: error messages and log lines, where a
 *   library may echo a credential we never see by key.
 */

export const REDACTED = '***';

/** One credential in the config. */
export interface SecretKey {
  /** Key path from the config root; `*` matches any one key (a view name, say). */
  readonly path: readonly string[];
  /** `value`: the whole value is the secret. `url`: the password inside the URL is (user and host stay readable). */
  readonly kind: 'value' | 'url';
}

/** librdkafka properties (passed through `transport.kafka.rdkafka`) that hold a credential or a private key. */
const RDKAFKA_SECRET_PROPERTIES = [
  'sasl.password',
  'sasl.oauthbearer.client.secret',
  'sasl.oauthbearer.config',
  'ssl.key.password',
  'ssl.key.pem',
  'ssl.keystore.password',
];

/** Every config key that holds a credential. */
export const SECRET_KEYS: readonly SecretKey[] = [
  { path: ['transport', 'kafka', 'sasl', 'password'], kind: 'value' },
  ...RDKAFKA_SECRET_PROPERTIES.map((name) => ({
    path: ['transport', 'kafka', 'rdkafka', name],
    kind: 'value' as const,
  })),
  { path: ['schemaRegistry', 'password'], kind: 'value' },
  { path: ['schemaRegistry', 'url'], kind: 'url' },
  { path: ['features', 'redis', 'url'], kind: 'url' },
  { path: ['sinks', 'redis', 'url'], kind: 'url' },
  { path: ['websocket', 'auth', 'tokens', '*', 'token'], kind: 'value' },
];

/** Shorter values are not scrubbed from text: replacing every `a` would garble a message and hide nothing. */
const MIN_SCRUBBED_LENGTH = 4;

const known = new Set<string>();

/** A copy of `config` with every secret replaced: `***`, or the URL with `***` for its password. */
export function redactSecrets<T>(config: T, keys: readonly SecretKey[] = SECRET_KEYS): T {
  const copy = structuredClone(config);
  for (const key of keys) {
    visit(copy, key.path, (holder, name) => {
      const value = holder[name];
      if (value === undefined || value === null) return;
      holder[name] = key.kind === 'url' && typeof value === 'string' ? redactUrlPassword(value) : REDACTED;
    });
  }
  return copy;
}

/** The secret strings `input` holds at the secret keys (for a URL, its password): what `scrubSecrets` hides. */
export function secretValues(input: unknown, keys: readonly SecretKey[] = SECRET_KEYS): string[] {
  const values: string[] = [];
  for (const key of keys) {
    visit(input, key.path, (holder, name) => {
      const value = holder[name];
      if (typeof value !== 'string' && typeof value !== 'number') return;
      if (key.kind === 'value') values.push(String(value));
      else if (typeof value === 'string') values.push(...urlPasswords(value));
    });
  }
  return values;
}

/** Remembers secret values for the rest of the process; the logger and the CLI's error output scrub them. */
export function rememberSecrets(values: Iterable<string>): void {
  for (const value of values) if (value.length >= MIN_SCRUBBED_LENGTH) known.add(value);
}

/** Every value `rememberSecrets` was given. */
export function knownSecrets(): readonly string[] {
  return [...known];
}

/** `text` with every occurrence of each secret (as written, JSON-escaped or URL-encoded) replaced by `***`. */
export function scrubSecrets(text: string, values: readonly string[] = knownSecrets()): string {
  let out = text;
  const forms = new Set<string>();
  for (const value of values) {
    if (value.length < MIN_SCRUBBED_LENGTH) continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    forms.add(encodeURIComponent(value));
  }
  // Longest first, so a secret that contains another is replaced whole.
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}

/** The URL with `***` for its password; the rest (user, host, port, path) stays readable. */
export function redactUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = REDACTED;
    return parsed.toString();
  } catch {
    // Not parsable as a whole (a bad port, say): still hide anything in the user-info position.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#@]*@/i, `$1:${REDACTED}@`);
  }
}

function urlPasswords(url: string): string[] {
  let raw: string | undefined;
  try {
    raw = new URL(url).password || undefined;
  } catch {
    raw = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:([^/?#@]*)@/i.exec(url)?.[1] || undefined;
  }
  if (raw === undefined) return [];
  try {
    const decoded = decodeURIComponent(raw);
    return decoded === raw ? [raw] : [raw, decoded];
  } catch {
    return [raw];
  }
}

/**
 * pino `redact` options hiding the secret keys wherever a config, a section of it or a URL is
 * logged: at the root, under `config`, and by their trailing keys (`sasl.password`, `redis.url`)
 * at any of the first levels. URLs keep their host; other values become `***`.
 */
export function logRedaction(keys: readonly SecretKey[] = SECRET_KEYS): {
  paths: string[];
  censor: (value: unknown, path: string[]) => unknown;
} {
  const paths = new Set<string>();
  for (const key of keys) {
    const segments = key.path.map(pathSegment);
    // The whole key at the root (a logged config) and under `config`.
    paths.add(atRoot(segments.join('')));
    paths.add(`config${segments.join('')}`);
    // Trailing parts (`kafka.sasl.password`, `sasl.password`, `password`): a logged section, at the root and one level down.
    for (let start = 1; start < segments.length; start++) {
      const tail = segments.slice(start).join('');
      paths.add(atRoot(tail));
      paths.add(`*${tail}`);
    }
  }
  for (const generic of ['.password', '.url']) {
    paths.add(generic.slice(1));
    paths.add(`*${generic}`);
    paths.add(`*.*${generic}`);
  }
  return {
    paths: [...paths],
    censor: (value, path) => {
      if (path.at(-1) !== 'url') return REDACTED;
      if (typeof value === 'string') return redactUrlPassword(value);
      return value instanceof URL ? redactUrlPassword(value.href) : value;
    },
  };
}

/** A path built from segments, as pino wants it at the root: `a.b`, `["a.b"]` (no leading dot). */
function atRoot(path: string): string {
  return path.startsWith('.') ? path.slice(1) : path;
}

/** One path segment in pino's (fast-redact's) syntax: `.name`, `["dotted.name"]` or `.*`. */
function pathSegment(name: string): string {
  return name === '*' || /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** Calls `found(holder, name)` for each object key that `path` reaches in `root` (`*` matching any key). */
function visit(
  root: unknown,
  path: readonly string[],
  found: (holder: Record<string, unknown>, name: string) => void,
): void {
  if (typeof root !== 'object' || root === null || path.length === 0) return;
  const holder = root as Record<string, unknown>;
  const [head, ...rest] = path as [string, ...string[]];
  const names = head === '*' ? Object.keys(holder) : Object.hasOwn(holder, head) ? [head] : [];
  for (const name of names) {
    if (rest.length === 0) found(holder, name);
    else visit(holder[name], rest, found);
  }
}
