/**
 * Sizes batching to a latency budget (`batch.latencyBudgetMs`: the p99 from ingest to the ack).
 * Each interval the topology reports what it measured; the controller answers with the batch
 * size, the in-flight bound and the concurrent batches to use next, always within the configured
 * limits (the in-flight bound never above `consumer.maxInFlight`).
 *
 * It turns one knob, the depth: the records in flight. The batch is a third of it (two batches in
 * the stages, which keeps enrichment and inference overlapped, and one filling), so a deeper
 * pipeline also batches more and pays less per record; a record waits about depth / throughput
 * behind the others, so depth is also what the tail latency is made of. The p99 it steers by is
 * smoothed over intervals (one slow interval, a collection or a broker hiccup, is not a trend).
 * - Over the budget: the depth shrinks by 10%, and the depth that broke it becomes a ceiling that
 *   growth stays under (rising again slowly, so a pipeline that got faster is re-probed).
 * - Under it while the input is saturated (the batches close full: a backlog is draining): the
 *   depth grows, by half while the p99 is under half the budget, by an eighth up to 85% of it.
 *   So a backlog drains at about the deepest pipeline, and the largest batch, whose p99 fits.
 * - Light load (batches close on their delay, well short of full): the batch follows the mean
 *   fill (twice it), so what queues ahead of a record stays as small as the load allows.
 * Under exactly-once, a transaction's commit drains everything in flight first, so the depth also
 * bounds what a commit waits for; the controller does not know about commits, it sees their cost
 * in the p99 it is given.
 */

/** The ranges the controller may choose from (config). */
export interface LatencyBudgetLimits {
  readonly budgetMs: number;
  readonly minBatchSize: number;
  readonly maxBatchSize: number;
  /** `consumer.maxInFlight`: the in-flight bound never exceeds it. */
  readonly maxInFlight: number;
  readonly minConcurrentBatches: number;
  readonly maxConcurrentBatches: number;
}

/** What the topology measured over the last interval. */
export interface LatencyObservation {
  /** p99 from ingest to ack over the interval, ms; null when nothing was acknowledged. */
  readonly p99Ms: number | null;
  /** Mean events per closed batch over the interval. */
  readonly meanBatchFill: number;
  /** Share of the interval's batches that closed full, or while the in-flight bound held the input back (0 to 1). */
  readonly fullShare: number;
  /** Events acknowledged per second over the interval (for the log and the benchmark). */
  readonly deliveredPerSec: number;
}

/** What to use until the next observation. */
export interface BatchingDecision {
  readonly batchSize: number;
  readonly maxInFlight: number;
  readonly concurrentBatches: number;
  /** Why it changed, for the log, the stats channel and the benchmark. */
  readonly reason: 'start' | 'over-budget' | 'grow' | 'hold' | 'light-load';
}

const SHRINK = 0.9;
const GROW_FAST = 1.5;
const GROW = 1.125;
const HEADROOM = 0.85;
/** Weight of the newest interval's p99 in the smoothed one. */
const SMOOTHING = 0.3;
/** Batches in the stages at once: two keep enrichment and inference overlapped; more only add waiting. */
const CONCURRENT = 2;
/** Per interval without a violation, the ceiling rises by this factor. */
const CEILING_RECOVERY = 1.05;

export class LatencyBudgetController {
  readonly #limits: LatencyBudgetLimits;
  readonly #concurrent: number;
  #depth: number;
  #ceiling: number;
  #smoothedP99: number | null = null;
  /** The first interval with traffic is warm-up (compilation, connections): it is not a signal. */
  #warmedUp = false;
  #decision: BatchingDecision;

  constructor(limits: LatencyBudgetLimits, initialBatchSize = 256) {
    if (limits.minBatchSize > limits.maxBatchSize)
      throw new RangeError(
        `minBatchSize ${limits.minBatchSize} is above maxBatchSize ${limits.maxBatchSize}`,
      );
    this.#limits = limits;
    this.#concurrent = clamp(CONCURRENT, limits.minConcurrentBatches, limits.maxConcurrentBatches);
    this.#ceiling = this.#maxDepth();
    this.#depth = clamp(initialBatchSize * (this.#concurrent + 1), this.#minDepth(), this.#ceiling);
    this.#decision = this.#decide('start');
  }

  get decision(): BatchingDecision {
    return this.#decision;
  }

  /** Takes one interval's measurements and returns the next decision. */
  observe(o: LatencyObservation): BatchingDecision {
    const { budgetMs } = this.#limits;
    if (!this.#warmedUp) {
      this.#warmedUp = o.p99Ms !== null;
      return this.#decision;
    }
    if (o.p99Ms !== null)
      this.#smoothedP99 =
        this.#smoothedP99 === null ? o.p99Ms : SMOOTHING * o.p99Ms + (1 - SMOOTHING) * this.#smoothedP99;
    const p99 = this.#smoothedP99;
    let reason: BatchingDecision['reason'] = 'hold';
    if (p99 !== null && p99 > budgetMs) {
      this.#ceiling = Math.max(this.#minDepth(), Math.min(this.#ceiling, this.#depth) * 0.95);
      this.#depth = Math.max(this.#minDepth(), this.#depth * SHRINK);
      reason = 'over-budget';
    } else {
      this.#ceiling = Math.min(this.#maxDepth(), this.#ceiling * CEILING_RECOVERY);
      if (o.fullShare >= 0.5) {
        if (p99 !== null && p99 < budgetMs * HEADROOM && this.#depth < this.#ceiling) {
          this.#depth = Math.min(this.#ceiling, this.#depth * (p99 < budgetMs / 2 ? GROW_FAST : GROW));
          reason = 'grow';
        }
      } else if (o.meanBatchFill > 0) {
        const wanted = Math.max(this.#minDepth(), Math.ceil(o.meanBatchFill * 2) * (this.#concurrent + 1));
        if (wanted < this.#depth) {
          this.#depth = wanted;
          reason = 'light-load';
        }
      }
    }
    this.#decision = this.#decide(reason);
    return this.#decision;
  }

  #minDepth(): number {
    return Math.min(this.#limits.maxInFlight, this.#limits.minBatchSize * (this.#concurrent + 1));
  }

  #maxDepth(): number {
    return Math.min(this.#limits.maxInFlight, this.#limits.maxBatchSize * (this.#concurrent + 1));
  }

  #decide(reason: BatchingDecision['reason']): BatchingDecision {
    const { minBatchSize, maxBatchSize, maxInFlight } = this.#limits;
    const depth = Math.round(this.#depth);
    const batchSize = clamp(
      Math.round(depth / (this.#concurrent + 1)),
      minBatchSize,
      Math.min(maxBatchSize, maxInFlight),
    );
    return {
      batchSize,
      maxInFlight: clamp(depth, batchSize, maxInFlight),
      concurrentBatches: this.#concurrent,
      reason,
    };
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
