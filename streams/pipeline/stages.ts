import type { RecordError, StageId } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ConsumedRecord } from '../consumed-record.ts';
import type { InputRecord, ProducerClient, Transport } from '../types.ts';
import type { StageMetrics } from './stage-metrics.ts';

/**
 * What every item carries through a topology: the record it came from and, once a stage fails it,
 * the error. Stages add their own fields; the engine reads only these two.
 */
export interface PipelineItem {
  readonly consumed: ConsumedRecord;
  error: RecordError | undefined;
  /** The event's own time (epoch ms), when the topology's decode knows it: latency from event time starts here. */
  readonly eventTime?: number;
}

/** A record some stage could not handle, on its way to the dead-letter sink. */
export interface FailedRecord {
  consumed: ConsumedRecord;
  error: RecordError;
}

/** What the engine hands a stage or sink once, when the topology opens. */
export interface StageContext {
  /** The topology's name: metrics carry it as the `topology` label. */
  readonly topology: string;
  readonly logger: Logger;
  /** Metrics of the topology's registry, labelled with its name; a stage's own series are made here. */
  readonly metrics: StageMetrics;
  /** Aborted when the topology starts to stop: waits and retries inside stages give up. */
  readonly stopping: AbortSignal;
  /** Aborted once the stop has waited its drain budget: a batch held for a dependency lets go. */
  readonly shutdown: AbortSignal;
}

/** What a sink gets when the topology opens: the context plus the producer it writes through. */
export interface SinkContext extends StageContext {
  readonly transport: Transport;
  /** The topology's producer (its transactional producer under exactly-once). */
  readonly producer: ProducerClient;
}

/**
 * A per-record stage (decode). The engine calls `process` once per consumed record, in fetch
 * order, on the hot path: it returns the item that goes on, or a RecordError for a record that
 * cannot (bad bytes are never a throw). `prepare`, when present, runs once per poll before the
 * records are processed (the schema-registry prefetch); the engine retries it while it rejects
 * with a retriable error, so the poll's records wait, and gives up when the topology stops.
 */
export interface RecordStage<T extends PipelineItem> {
  readonly id: StageId;
  open?(context: StageContext): void | Promise<void>;
  prepare?(records: readonly InputRecord[]): Promise<void>;
  process(consumed: ConsumedRecord, nowMs: number): T | RecordError;
}

/**
 * A batch stage (enrich, infer, encode). The engine calls `process` with the live items of a
 * micro-batch (none already failed), batches overlapping up to `batch.maxConcurrentBatches`. A
 * stage marks an item it cannot handle with `item.error` and leaves the rest of the batch alone;
 * it throws only for an infrastructure failure or cancellation, which is fatal to the topology.
 */
export interface BatchStage<T extends PipelineItem> {
  readonly id: StageId;
  open?(context: StageContext): void | Promise<void>;
  process(items: T[]): Promise<void>;
  close?(): Promise<void>;
}

/**
 * A durable sink (the predictions topic, the Redis store). The engine calls `write` once per
 * delivered batch, in batch order, with the items that went through every stage; it resolves only
 * once the destination holds every one of them. A retriable rejection is retried with backoff
 * (the batch stays unacked meanwhile); any other rejection is fatal. Every record is acked only
 * after every durable sink confirmed it. `ordered` sinks (latest-per-key stores) write a batch
 * only once the one before is confirmed, so a retried batch never overwrites a newer one.
 */
export interface DurableSink<T extends PipelineItem> {
  /** Stable id for logs and the `sink` metric label. */
  readonly name: string;
  readonly ordered?: boolean;
  open?(context: SinkContext): void | Promise<void>;
  write(items: readonly T[]): Promise<void>;
  /** Runs once the topology has drained, before its producer closes: a sink that holds state writes it out. */
  close?(): Promise<void>;
}

/**
 * The one path of every failed record, whatever stage failed it. `write` resolves once the
 * destination holds the dead letters (the engine then acks their records); retried like a durable
 * sink. `open` runs after the topology's topics exist, before consuming: a check that the sink can
 * work fails the start there.
 */
export interface DeadLetterSink {
  readonly name: string;
  open?(context: SinkContext): void | Promise<void>;
  write(failed: readonly FailedRecord[]): Promise<void>;
}

/**
 * A best-effort observer of delivered items (the live feed, the drift windows). Called after a
 * batch was acked, never awaited, and a throw from it is logged, never fatal: a tap can neither
 * slow nor stop the topology. A tap that writes somewhere makes its own producer from the context's
 * transport (never the topology's, whose sends belong to its transactions); `close` runs once the
 * topology has drained, before it leaves, so a tap can flush what it holds.
 */
export interface Tap<T extends PipelineItem> {
  readonly name: string;
  open?(context: SinkContext): void | Promise<void>;
  observe(items: readonly T[]): void;
  close?(): Promise<void>;
}
