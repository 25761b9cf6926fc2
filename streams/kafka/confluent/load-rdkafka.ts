import { ConfigError, errorMessage } from '../../../core/errors.ts';
import type { RdKafkaLibrary } from './rdkafka-api.ts';

const PACKAGE = '@confluentinc/kafka-javascript';

let loading: Promise<RdKafkaLibrary> | undefined;

/**
 * Imports the Confluent client once per process. It is an optional native dependency: where it is
 * missing or its addon cannot load, this throws a ConfigError that names `transport.kafka.client`
 * and says how to fix it. `specifier` exists for tests.
 */
export function loadRdKafka(specifier: string = PACKAGE): Promise<RdKafkaLibrary> {
  if (specifier !== PACKAGE) return importLibrary(specifier);
  loading ??= importLibrary(specifier).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function importLibrary(specifier: string): Promise<RdKafkaLibrary> {
  let mod: unknown;
  try {
    mod = await import(specifier);
  } catch (error) {
    throw unavailable(error);
  }
  const lib = pickRdKafka(mod);
  if (!lib) throw unavailable(new Error(`${specifier} loaded but exports no node-rdkafka API (RdKafka)`));
  return lib;
}

// The package is CommonJS: `RdKafka` is a detected named export under Node, and sits on `default`
// under bundlers that only expose module.exports.
function pickRdKafka(mod: unknown): RdKafkaLibrary | undefined {
  const candidates = [mod, (mod as { default?: unknown } | null)?.default];
  for (const candidate of candidates) {
    const lib = (candidate as { RdKafka?: Partial<RdKafkaLibrary> } | null | undefined)?.RdKafka;
    if (lib && typeof lib.KafkaConsumer === 'function' && typeof lib.Producer === 'function') {
      return lib as RdKafkaLibrary;
    }
  }
  return undefined;
}

function unavailable(cause: unknown): ConfigError {
  return new ConfigError(
    'SLUICE_CONFIG_INVALID',
    `transport.kafka.client: "confluent" needs ${PACKAGE}, which is not installed or whose native addon ` +
      `cannot load (${errorMessage(cause)}). Fix: install the build dependencies ` +
      '(apt-get install -y libssl-dev zlib1g-dev libzstd-dev libsasl2-dev liblz4-dev libcurl4-openssl-dev), ' +
      'then run `CKJS_LINKING=dynamic npm ci`; or set `transport.kafka.client: platformatic` (the default) to use the pure-TypeScript client.',
    { subject: 'transport.kafka.client', cause },
  );
}
