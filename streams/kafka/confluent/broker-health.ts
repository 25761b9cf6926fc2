import { ConfigError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import { RdCode, rdCode } from './confluent-errors.ts';
import type { RdClient, RdKafkaError } from './rdkafka-api.ts';

const PROBE_INTERVAL_MS = 1000;
// The binding's error events carry code -1, not librdkafka's ERR__ALL_BROKERS_DOWN (-187); only
// the message tells.
const ALL_DOWN_MESSAGE = /all broker connections are down/i;
// Likewise for a refused login: code -1 (or ERR__AUTHENTICATION / SASL_AUTHENTICATION_FAILED) and this text.
const AUTH_FAILED_MESSAGE =
  /authentication fail|sasl authentication|invalid credentials|invalid username or password/i;
const AUTH_CODES = new Set([-169, 58]);

interface Watched {
  readonly client: RdClient;
  readonly name: string;
  down: boolean;
  probing: boolean;
}

/**
 * Broker reachability as the transport's clients see it; `/readyz` reads it via `isConnected()`.
 * A client goes down on librdkafka's ERR__ALL_BROKERS_DOWN error event and comes back up on the
 * first sign of life: a fetched record, a delivery report, or a metadata probe that succeeds
 * (probed every second while down, since librdkafka emits no "up" event).
 */
export class BrokerHealth {
  readonly #logger: Logger;
  readonly #watched = new Map<RdClient, Watched>();
  #timer: NodeJS.Timeout | undefined;
  #authFailure: ConfigError | undefined;
  readonly #authFailed: Promise<never>;
  #failAuth!: (error: ConfigError) => void;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#authFailed = new Promise<never>((_, reject) => {
      this.#failAuth = reject;
    });
    // Only raced against calls in flight; nobody has to be listening when a login is refused.
    this.#authFailed.catch(() => undefined);
  }

  /**
   * Settles like `call`, or rejects with a ConfigError naming `transport.kafka.sasl` as soon as any
   * client of the transport is refused a login: librdkafka itself would only retry until the
   * call's timeout, which says nothing of authentication.
   */
  raceAuth<T>(call: Promise<T>): Promise<T> {
    if (this.#authFailure) return Promise.reject(this.#authFailure);
    return Promise.race([call, this.#authFailed]);
  }

  /** True while no client reports all brokers down. */
  get connected(): boolean {
    for (const w of this.#watched.values()) if (w.down) return false;
    return true;
  }

  /** Logs the client's error events and tracks its broker reachability until `forget`. */
  watch(client: RdClient, name: string): void {
    const watched: Watched = { client, name, down: false, probing: false };
    this.#watched.set(client, watched);
    client.on('event.error', (error: RdKafkaError) => this.#onError(watched, error));
  }

  forget(client: RdClient): void {
    this.#watched.delete(client);
    if (this.#watched.size === 0) this.#stopProbing();
  }

  /** The client just talked to a broker successfully. */
  markUp(client: RdClient): void {
    const watched = this.#watched.get(client);
    if (!watched?.down) return;
    watched.down = false;
    this.#logger.info({ client: watched.name }, 'Kafka brokers reachable again');
    if (![...this.#watched.values()].some((w) => w.down)) this.#stopProbing();
  }

  close(): void {
    this.#watched.clear();
    this.#stopProbing();
  }

  /** An error event of a client that is not watched for reachability (the admin client). */
  clientError(name: string, error: RdKafkaError): void {
    if (this.#isAuthFailure(name, error)) return;
    this.#logger.warn({ client: name, err: error, code: rdCode(error) }, 'Kafka client error');
  }

  /** Whether `error` is a refused login; the first one fails every call raced with `raceAuth`. */
  #isAuthFailure(name: string, error: RdKafkaError): boolean {
    const code = rdCode(error);
    if (!((code !== undefined && AUTH_CODES.has(code)) || AUTH_FAILED_MESSAGE.test(error.message ?? '')))
      return false;
    this.#logger.error({ client: name, err: error }, 'Kafka authentication failed');
    if (!this.#authFailure) {
      this.#authFailure = new ConfigError(
        'SLUICE_KAFKA_AUTH_FAILED',
        `Kafka refused the login (${error.message}); check transport.kafka.sasl (mechanism, username, password)`,
        { subject: 'transport.kafka.sasl', cause: error },
      );
      this.#failAuth(this.#authFailure);
    }
    return true;
  }

  #onError(watched: Watched, error: RdKafkaError): void {
    if (!this.#watched.has(watched.client)) return;
    if (this.#isAuthFailure(watched.name, error)) return;
    const code = rdCode(error);
    if (code === RdCode.ALL_BROKERS_DOWN || ALL_DOWN_MESSAGE.test(error.message ?? '')) {
      if (!watched.down)
        this.#logger.warn({ client: watched.name, err: error }, 'all Kafka brokers are down');
      watched.down = true;
      this.#startProbing();
      return;
    }
    if (error.isFatal) this.#logger.error({ client: watched.name, err: error }, 'Kafka client fatal error');
    else this.#logger.warn({ client: watched.name, err: error, code }, 'Kafka client error');
  }

  #startProbing(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#probe(), PROBE_INTERVAL_MS);
    this.#timer.unref();
  }

  #stopProbing(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #probe(): void {
    for (const watched of this.#watched.values()) {
      if (!watched.down || watched.probing || !watched.client.isConnected()) continue;
      watched.probing = true;
      try {
        watched.client.getMetadata({ allTopics: false, timeout: PROBE_INTERVAL_MS }, (err) => {
          watched.probing = false;
          if (!err) this.markUp(watched.client);
        });
      } catch {
        watched.probing = false;
      }
    }
  }
}
