import type { ConsumerConfig } from '../consumer-config.ts';
import type { TopicSpec } from '../types.ts';
import type { BatchConfig } from './batch-config.ts';
import type { BatchStage, DeadLetterSink, DurableSink, PipelineItem, RecordStage, Tap } from './stages.ts';

/**
 * A topology as a value: where records come from, the stage each goes through, and where results
 * go. `app/topologies/*.ts` write these; `TopologyRuntime` runs one, `Topologies` several side by
 * side. Adding a stage is one more entry in `stages` (or `taps`).
 */
export interface TopologyDeclaration<T extends PipelineItem> {
  /** Stable name: the `topology` label of its metrics, its logs, its transactional id suffix. */
  readonly name: string;
  /** Topics the topology needs, created (with their configs) before it consumes. */
  readonly topics: readonly TopicSpec[];
  /** What it consumes: topics and the consumer group, with the consumer loop's settings. */
  readonly source: { readonly topics: readonly string[]; readonly consumer: ConsumerConfig };
  readonly decode: RecordStage<T>;
  /**
   * The micro-batch closing rule and how many batches are in the batch stages at once; with
   * `latencyBudgetMs`, the controller's limits instead (see batch-config.ts).
   */
  readonly batch: Pick<BatchConfig, 'maxBatchSize' | 'maxDelayMs' | 'maxConcurrentBatches'> &
    Partial<Pick<BatchConfig, 'latencyBudgetMs' | 'minBatchSize' | 'controlIntervalMs'>>;
  readonly stages: ReadonlyArray<BatchStage<T>>;
  /** Every record is acked only once each of these holds its result. */
  readonly sinks: ReadonlyArray<DurableSink<T>>;
  readonly deadLetters: DeadLetterSink;
  readonly taps?: ReadonlyArray<Tap<T>>;
  /**
   * `exactly-once`: outputs and input offsets commit in one Kafka transaction, through a
   * transactional producer of this topology's own, with `transactionalId` (default: the consumer
   * group and the host name, `<groupId>-<host>`). Two topologies of a process must not share it.
   */
  readonly delivery?: 'at-least-once' | 'exactly-once';
  readonly transactionalId?: string;
  /** The counter of delivered items; default `sluice_records_delivered_total`. */
  readonly deliveredMetric?: { readonly name: string; readonly help: string };
}
