import type { Registry } from 'prom-client';
import type { Logger } from '../core/logger.ts';
import type { ScoringItem } from '../processors/scoring-item.ts';
import type { Transport } from '../streams/index.ts';
import { TopologyRuntime } from '../streams/pipeline/index.ts';
import { type ScoringParts, scoringTopology } from './topologies/scoring.ts';

/** Everything the scoring topology is built from. `main` passes real parts; tests pass embedded ones. */
export interface ScoringTopologyParts extends ScoringParts {
  transport: Transport;
  registry?: Registry | undefined;
  logger: Logger;
  /** An unrecoverable failure (a bug, or sinks failing past shutdown); default: log it. */
  onFatal?: ((error: unknown) => void) | undefined;
}

/**
 * The scoring topology running (its declaration is app/topologies/scoring.ts), with what
 * `/readyz` asks of it beyond the engine's own readiness.
 */
export class ScoringTopology extends TopologyRuntime<ScoringItem> {
  readonly #parts: ScoringTopologyParts;

  constructor(parts: ScoringTopologyParts) {
    super(scoringTopology(parts), parts);
    this.#parts = parts;
  }

  /**
   * `/readyz`: the consumer joined its group and holds its assignment (possibly empty), polls
   * succeed, the broker is reachable, and, under `features.redis.failure: hold` (where nothing is
   * scored without the store), the feature store answers.
   */
  isReady(): boolean {
    return this.isConsuming() && this.#featureStoreServes();
  }

  /** What `/readyz` reports beside its verdict. */
  readiness(): { assigned: boolean; brokerReachable: boolean; featureStoreServes: boolean } {
    return {
      assigned: this.isAssigned(),
      brokerReachable: this.#parts.transport.isConnected(),
      featureStoreServes: this.#featureStoreServes(),
    };
  }

  #featureStoreServes(): boolean {
    if (this.#parts.config.features.redis.failure !== 'hold') return true;
    return this.#parts.featureStore.isAvailable?.() ?? true;
  }
}

/** The public topology builder: `main`, the tests and the in-process load test all call it. */
export function buildScoringTopology(parts: ScoringTopologyParts): ScoringTopology {
  return new ScoringTopology(parts);
}
