import { preciseNowMs } from '../core/clock.ts';
import { SluiceError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { type RetryOptions, retry, sleep } from '../core/retry.ts';
import { ConsumedRecord } from './consumed-record.ts';
import type { InFlightGate } from './inflight-gate.ts';
import { PartitionProgress } from './partition-progress.ts';
import type {
  ConsumerClient,
  InputRecord,
  TopicPartition,
  TopicPartitionOffset,
  TransactionalProducerClient,
  Transport,
} from './types.ts';

// A failing poll (the broker unreachable) is retried with backoff until it succeeds or the loop stops.
const POLL_RETRY = {
  retries: Number.POSITIVE_INFINITY,
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  factor: 2,
  jitter: 0.2,
};

/** Settings of the consumer loop (config key `consumer`). */
export interface ConsumerLoopOptions {
  groupId: string;
  topics: string[];
  maxPollRecords: number;
  pollWaitMs: number;
  commitIntervalMs: number;
  /** On revoke, how long to wait for in-flight records of the lost partitions before giving up on them. */
  revokeDrainTimeoutMs: number;
  gate: InFlightGate;
  logger: Logger;
  /** Receives every fetched record; it must eventually `ack()` each one. Throwing is a bug and stops the loop. */
  handle: (records: ConsumedRecord[]) => void | Promise<void>;
  onFatal: (error: unknown) => void;
  /**
   * Exactly-once: the producer every sink writes through. Offsets are then committed inside its
   * transaction instead of to the group, and only at quiescent points (nothing in flight), so a
   * transaction holds exactly the outputs of the inputs whose offsets it commits.
   */
  transaction?: TransactionalProducerClient;
}

/**
 * Pulls records from one group member, bounds in-flight work with pause/resume, and commits each
 * partition's low watermark once every sink has acked up to it. The only place offsets are committed.
 */
export class ConsumerLoop {
  readonly #options: ConsumerLoopOptions;
  #consumer!: ConsumerClient;
  readonly #progress = new Map<string, PartitionProgress[]>();
  #running = false;
  #paused = false;
  #loopDone: Promise<void> = Promise.resolve();
  #commitTimer: NodeJS.Timeout | undefined;
  #committing: Promise<void> = Promise.resolve();
  #commitQueued = false;
  #pollFailures = 0;
  #lastPollOkAt = 0;
  #transactionDue = false;
  /** Aborted by stop(): a poll being retried gives up. */
  readonly #stopped = new AbortController();
  /** Built once: every poll goes through retry(), so its options are not rebuilt per poll. */
  readonly #pollRetry: Partial<RetryOptions>;

  private constructor(options: ConsumerLoopOptions) {
    this.#options = options;
    this.#pollRetry = {
      ...POLL_RETRY,
      signal: this.#stopped.signal,
      onRetry: (error, attempt, delayMs) => {
        this.#pollFailures = attempt;
        options.logger.warn({ err: error, retryInMs: delayMs }, 'poll failed; retrying');
      },
    };
  }

  /** Joins the group and starts polling in the background. */
  static async start(transport: Transport, options: ConsumerLoopOptions): Promise<ConsumerLoop> {
    const loop = new ConsumerLoop(options);
    loop.#consumer = await transport.createConsumer({
      groupId: options.groupId,
      rebalance: { onAssigned: (tps) => loop.#onAssigned(tps), onRevoked: (tps) => loop.#onRevoked(tps) },
    });
    await loop.#consumer.subscribe(options.topics);
    loop.#running = true;
    loop.#lastPollOkAt = Date.now();
    loop.#loopDone = loop.#run();
    loop.#commitTimer = setInterval(() => {
      if (options.transaction) loop.#transactionDue = true;
      else void loop.commit();
    }, options.commitIntervalMs);
    loop.#commitTimer.unref();
    return loop;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** True while polls succeed; `/readyz` turns false when the member cannot consume. */
  isConsuming(maxSilenceMs = 10_000): boolean {
    return this.#running && this.#pollFailures === 0 && Date.now() - this.#lastPollOkAt < maxSilenceMs;
  }

  /** True once the member joined its group and holds its whole assignment (possibly empty), while polls succeed. */
  isAssigned(): boolean {
    return this.isConsuming() && this.#consumer.isAssigned();
  }

  assignment(): TopicPartition[] {
    return this.#consumer.assignment();
  }

  /** Stops fetching; records already fetched keep flowing to the sinks. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopped.abort();
    await this.#loopDone;
  }

  /** Graceful end: stop fetching, wait for in-flight records (bounded), commit, leave the group. */
  async close(drainTimeoutMs: number): Promise<boolean> {
    await this.stop();
    const drained = await this.#options.gate.waitForDrain(drainTimeoutMs, 0);
    if (!drained)
      this.#options.logger.warn(
        { inFlight: this.#options.gate.count },
        'shutdown: in-flight records did not drain in time; they will be re-read after restart',
      );
    clearInterval(this.#commitTimer);
    if (!this.#options.transaction) await this.commit();
    else if (drained)
      await this.#commitTransaction(0).catch((error: unknown) => this.#options.onFatal(error));
    else
      this.#options.logger.warn(
        'shutdown: transaction left open; the broker aborts it and a restart re-reads its inputs',
      );
    await this.#consumer.close();
    return drained;
  }

  /**
   * Commits every partition whose low watermark moved. One commit at a time; a call while one is in
   * flight joins it and is followed by exactly one more, so a short interval never piles commits up.
   */
  commit(): Promise<void> {
    if (this.#commitQueued) return this.#committing;
    this.#commitQueued = true;
    this.#committing = this.#committing.then(() => {
      this.#commitQueued = false;
      return this.#commitNow(this.#allProgress());
    });
    return this.#committing;
  }

  async #commitNow(progress: PartitionProgress[]): Promise<void> {
    const due: Array<{ progress: PartitionProgress; offset: TopicPartitionOffset }> = [];
    for (const p of progress) {
      const offset = p.takeCommit();
      if (offset) due.push({ progress: p, offset });
    }
    if (due.length === 0) return;
    try {
      await this.#consumer.commit(due.map((d) => d.offset));
      for (const d of due) d.progress.markCommitted(d.offset.offset);
    } catch (error) {
      this.#options.logger.warn(
        { err: error, offsets: due.map((d) => d.offset) },
        'offset commit failed; will retry on the next interval',
      );
    }
  }

  async #run(): Promise<void> {
    const { gate } = this.#options;
    while (this.#running) {
      if (this.#transactionDue) {
        this.#transactionDue = false;
        try {
          await this.#commitTransaction(Number.POSITIVE_INFINITY);
        } catch (error) {
          this.#running = false;
          this.#options.onFatal(error);
          return;
        }
      }
      this.#applyBackpressure();
      if (this.#paused) {
        // Wake as soon as in-flight drains rather than after a fixed sleep; still poll at least every
        // pollWaitMs so the client keeps its group membership and sees rebalances.
        await gate.waitForDrain(this.#options.pollWaitMs);
        this.#applyBackpressure();
      }
      const capacity = gate.capacity();
      let records: InputRecord[];
      try {
        records = await retry(
          () =>
            this.#consumer.poll(
              Math.max(1, Math.min(this.#options.maxPollRecords, capacity)),
              this.#paused ? 0 : this.#options.pollWaitMs,
            ),
          this.#pollRetry,
        );
        this.#pollFailures = 0;
        this.#lastPollOkAt = Date.now();
      } catch (error) {
        if (!this.#running) return;
        // Not retriable (a refused login, a client that cannot go on): the member cannot consume.
        this.#running = false;
        this.#options.onFatal(error);
        return;
      }
      if (records.length === 0) continue;
      const consumed = this.#track(records);
      try {
        await this.#options.handle(consumed);
      } catch (error) {
        this.#running = false;
        this.#options.onFatal(error);
      }
    }
  }

  #track(records: InputRecord[]): ConsumedRecord[] {
    const now = preciseNowMs();
    const consumed = new Array<ConsumedRecord>(records.length);
    let progress: PartitionProgress | undefined;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      if (
        progress === undefined ||
        progress.partition !== record.partition ||
        progress.topic !== record.topic
      ) {
        progress = this.#progressOf(record) ?? this.#addProgress(record);
      }
      consumed[i] = new ConsumedRecord(record, progress, progress.track(record.offset), now);
    }
    this.#options.gate.acquire(records.length);
    return consumed;
  }

  #applyBackpressure(): void {
    const { gate, logger } = this.#options;
    if (!this.#paused && gate.capacity() === 0) {
      this.#paused = true;
      this.#consumer.pause(this.#consumer.assignment());
      logger.debug({ inFlight: gate.count }, 'in-flight bound reached; partitions paused');
    } else if (this.#paused && gate.count <= gate.resumeAt) {
      this.#paused = false;
      this.#consumer.resume(this.#consumer.assignment());
      logger.debug({ inFlight: gate.count }, 'in-flight drained; partitions resumed');
    }
  }

  #onAssigned(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.#progressOf(tp) ?? this.#addProgress(tp);
    if (this.#paused) this.#consumer.pause(partitions);
    this.#options.logger.info(
      { partitions: partitions.map((tp) => `${tp.topic}[${tp.partition}]`) },
      'partitions assigned',
    );
  }

  /**
   * Exactly-once commit. Called between polls (or inside one, on revoke), so no new record enters
   * meanwhile: waits until everything fetched is acked, then commits the transaction with every
   * partition's position. Rejects when the pipeline did not drain in time or the commit failed.
   */
  async #commitTransaction(drainTimeoutMs: number): Promise<void> {
    const { gate, logger, transaction } = this.#options;
    const deadline = Date.now() + drainTimeoutMs;
    while (!(await gate.waitForDrain(Math.min(5000, Math.max(0, deadline - Date.now())), 0))) {
      if (Date.now() >= deadline) {
        throw new SluiceError(
          'SLUICE_TRANSACTION_FAILED',
          `exactly-once: ${gate.count} in-flight records did not finish within ${drainTimeoutMs} ms; the transaction stays uncommitted`,
        );
      }
      logger.warn({ inFlight: gate.count }, 'exactly-once commit waiting for in-flight records');
    }
    const due: Array<{ progress: PartitionProgress; offset: TopicPartitionOffset }> = [];
    for (const p of this.#allProgress()) {
      const offset = p.takeCommit();
      if (offset) due.push({ progress: p, offset });
    }
    if (due.length === 0) return;
    await transaction!.commitTransaction(
      due.map((d) => d.offset),
      this.#consumer,
    );
    for (const d of due) d.progress.markCommitted(d.offset.offset);
  }

  async #onRevoked(partitions: TopicPartition[]): Promise<void> {
    if (this.#options.transaction) {
      try {
        await this.#commitTransaction(this.#options.revokeDrainTimeoutMs);
      } catch (error) {
        // Another member now owns these inputs; committing anything more from here could duplicate.
        this.#running = false;
        this.#options.onFatal(error);
        throw error;
      }
    }
    const lost = partitions
      .map((tp) => this.#progressOf(tp))
      .filter((p): p is PartitionProgress => p !== undefined);
    const deadline = Date.now() + this.#options.revokeDrainTimeoutMs;
    while (lost.some((p) => p.pending > 0) && Date.now() < deadline) await sleep(5);
    const abandoned = lost.reduce((sum, p) => sum + p.pending, 0);
    await this.#committing;
    await this.#commitNow(lost);
    for (const p of lost) {
      p.detached = true;
      const byPartition = this.#progress.get(p.topic);
      if (byPartition) delete byPartition[p.partition];
    }
    this.#options.logger.info(
      { partitions: partitions.map((tp) => `${tp.topic}[${tp.partition}]`), abandoned },
      abandoned > 0
        ? 'partitions revoked; unfinished records will be re-read by the new owner'
        : 'partitions revoked',
    );
  }

  #progressOf(tp: TopicPartition): PartitionProgress | undefined {
    return this.#progress.get(tp.topic)?.[tp.partition];
  }

  #addProgress(tp: TopicPartition): PartitionProgress {
    let byPartition = this.#progress.get(tp.topic);
    if (!byPartition) {
      byPartition = [];
      this.#progress.set(tp.topic, byPartition);
    }
    const progress = new PartitionProgress(tp.topic, tp.partition, this.#options.gate.release);
    byPartition[tp.partition] = progress;
    return progress;
  }

  #allProgress(): PartitionProgress[] {
    const all: PartitionProgress[] = [];
    for (const byPartition of this.#progress.values()) for (const p of byPartition) if (p) all.push(p);
    return all;
  }
}
