import type { Logger } from '../../core/logger.ts';

/** Request timeouts within this window that mark the broker unreachable (a storm, not one slow call). */
const TIMEOUT_STORM = 3;
const TIMEOUT_WINDOW_MS = 10_000;

/**
 * Whether the transport can reach Kafka, for `/readyz` (via `isConnected()`). One verdict for all
 * of the transport's clients, moved by whichever has news: any answered request or (re)connect
 * means reachable; a consumer crash, an unexpected disconnect, a failed connect or send, or a
 * storm of request timeouts means unreachable. A running consumer fetches continuously, so the
 * verdict recovers within one fetch once the broker is back, even while the producer is idle.
 */
export class ConnectionHealth {
  readonly #logger: Logger;
  #reachable = true;
  #timeouts: number[] = [];

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get reachable(): boolean {
    return this.#reachable;
  }

  /** `client` talked to a broker successfully. Called per request: must stay cheap. */
  markUp(client: string): void {
    if (this.#reachable) return;
    this.#reachable = true;
    this.#timeouts = [];
    this.#logger.info({ client }, 'kafka reachable again');
  }

  markDown(client: string, reason: string, error?: unknown): void {
    if (!this.#reachable) return;
    this.#reachable = false;
    this.#logger.warn({ client, err: error }, `kafka unreachable: ${reason}`);
  }

  /** One request of `client` timed out; a storm of them marks the broker unreachable until the next answer. */
  requestTimedOut(client: string, now = Date.now()): void {
    this.#timeouts = this.#timeouts.filter((t) => now - t < TIMEOUT_WINDOW_MS);
    this.#timeouts.push(now);
    if (this.#timeouts.length >= TIMEOUT_STORM) {
      this.markDown(client, `${this.#timeouts.length} request timeouts within ${TIMEOUT_WINDOW_MS} ms`);
    }
  }
}
