import type { Consumer, ConsumerConfig, IMemberAssignment, Kafka } from 'kafkajs';
import { errorMessage, type SluiceError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import { backoffDelayMs } from '../../../core/retry.ts';
import { withTimeout } from '../../../core/with-timeout.ts';
import { PollGuard } from '../../poll-guard.ts';
import type {
  ConsumerClient,
  InputRecord,
  RebalanceListener,
  TopicPartition,
  TopicPartitionOffset,
} from '../../types.ts';
import { partitionId } from '../../types.ts';
import type { ConnectionHealth } from '../connection-health.ts';
import { BatchQueue } from '../pull-bridge/batch-queue.ts';
import { MemberState } from '../pull-bridge/member-state.ts';
import { pollQueued, type QueuedPoll } from '../pull-bridge/poll-queued.ts';
import { Signal } from '../pull-bridge/signal.ts';
import { BatchFeeder } from './batch-feeder.ts';
import { CommitWitness } from './commit-witness.ts';
import { KafkaPauses } from './kafka-pauses.ts';
import {
  clientClosed,
  commitRejected,
  consumerCrashed,
  isRebalanceError,
  toSluiceError,
} from './kafkajs-errors.ts';
import type { KafkajsRecordMapper } from './record-conversion.ts';

/** What the transport hands each consumer. */
export interface KafkajsConsumerDeps {
  kafka: Kafka;
  config: ConsumerConfig;
  name: string;
  fromBeginning: boolean;
  listener: RebalanceListener;
  health: ConnectionHealth;
  logger: Logger;
  /** Records fetched ahead of `poll`, all partitions together; eachBatch waits while it is reached. */
  queueLimit: number;
  /** Bound on leaving the group in `close`. */
  closeTimeoutMs: number;
  onClose: (consumer: KafkajsConsumer) => void;
  /** Maps each fetched message; tests pass one that fails. Default `toInputRecord`. */
  mapRecord?: KafkajsRecordMapper | undefined;
}

const FEEDER_TICK_MS = 250;

/**
 * A consumer-group member on kafkajs, driven by the engine's `poll` loop. kafkajs pushes batches
 * (`consumer.run({ eachBatch })`); the BatchFeeder moves them into a bounded queue that `poll`
 * drains fairly across unpaused partitions. Rebalances reach the engine only inside `poll`:
 * `onRevoked` for the whole old assignment (kafkajs is eager), then `onAssigned` for the new one;
 * records queued before a rebalance are dropped and fetched again from the committed offset by
 * whoever owns the partition next. `commit` resolves once the group coordinator stored the offsets.
 * `close()` leaves the group without calling `onRevoked`: the engine commits before closing.
 */
export class KafkajsConsumer implements ConsumerClient {
  readonly #consumer: Consumer;
  readonly #deps: KafkajsConsumerDeps;
  readonly #state = new MemberState();
  readonly #queue: BatchQueue;
  readonly #signal = new Signal();
  readonly #feeder: BatchFeeder;
  readonly #witness = new CommitWitness();
  readonly #kafkaPauses: KafkaPauses;
  #subscribed = false;
  readonly #poll: PollGuard;
  readonly #pollParts: QueuedPoll;
  #closing = false;
  #closed = false;
  /** Set while kafkajs is down after a crash it does not restart from; `poll` throws it. */
  #failure: SluiceError | undefined;
  #restarts = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  /** kafkajs is starting (connecting, joining) and has neither begun to fetch nor crashed yet. */
  #starting = false;
  /** Wakes `close` waiting for that start to settle, see `close`. */
  #startSettled: (() => void) | null = null;

  constructor(deps: KafkajsConsumerDeps) {
    this.#poll = new PollGuard('Kafka consumer');
    this.#deps = deps;
    this.#consumer = deps.kafka.consumer(deps.config);
    this.#queue = new BatchQueue(deps.queueLimit);
    this.#pollParts = {
      state: this.#state,
      listener: deps.listener,
      queue: this.#queue,
      arrived: this.#signal,
      failure: () => this.#failure,
      closing: () => this.#closing,
      // Room for the feeder.
      taken: () => this.#signal.notify(),
    };
    this.#kafkaPauses = new KafkaPauses(this.#consumer, deps.logger);
    this.#feeder = new BatchFeeder({
      state: this.#state,
      queue: this.#queue,
      signal: this.#signal,
      kafkaPause: (tp) => this.#kafkaPauses.pause(tp),
      rebalanceDetected: () => this.#rebalanceDetected(),
      closing: () => this.#closing,
      revokeWaitMs: Math.floor((deps.config.rebalanceTimeout ?? 60_000) / 2),
      tickMs: FEEDER_TICK_MS,
      logger: deps.logger,
      mapRecord: deps.mapRecord,
    });
    this.#listen();
  }

  /** Connects to the cluster (the group is joined once `subscribe` starts the consumer). */
  async connect(): Promise<void> {
    const { health, name } = this.#deps;
    try {
      await this.#consumer.connect();
    } catch (error) {
      health.markDown(name, 'consumer could not connect', error);
      throw toSluiceError(error, `consumer ${name} connect`);
    }
  }

  /** Subscribes and starts kafkajs in the background; `poll` announces the assignment once it joined. */
  async subscribe(topics: string[]): Promise<void> {
    if (this.#closing) throw clientClosed('consumer.subscribe');
    if (this.#subscribed)
      throw new Error('consumer: subscribe() twice (kafkajs cannot change a running subscription)');
    try {
      await this.#consumer.subscribe({ topics, fromBeginning: this.#deps.fromBeginning });
    } catch (error) {
      throw toSluiceError(error, `consumer.subscribe(${topics.join(', ')})`, topics.join(','));
    }
    this.#subscribed = true;
    this.#run();
  }

  async poll(maxRecords: number, maxWaitMs: number): Promise<InputRecord[]> {
    if (this.#closing) throw clientClosed('consumer.poll');
    if (!this.#subscribed) throw new Error('consumer: poll() before subscribe()');
    this.#poll.enter();
    try {
      return await pollQueued(this.#pollParts, maxRecords, maxWaitMs);
    } finally {
      this.#poll.exit();
    }
  }

  /** Paused partitions keep their queued records but hand none out; the feeder pauses them inside kafkajs. */
  pause(partitions: TopicPartition[]): void {
    if (this.#state.pause(partitions).length > 0) this.#signal.notify();
  }

  resume(partitions: TopicPartition[]): void {
    const changed = this.#state.resume(partitions);
    if (changed.length === 0) return;
    this.#kafkaPauses.resume(changed);
    this.#signal.notify();
  }

  /**
   * Commits the offsets of partitions this member owns and resolves once the coordinator stored
   * them; the others, and commits kafkajs refuses because the group is rebalancing, are rejected
   * with SLUICE_COMMIT_REJECTED (the engine retries or abandons them on revoke).
   */
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (this.#closed) throw clientClosed('consumer.commit');
    if (offsets.length === 0) return;
    const allowed = offsets.filter((o) => this.#state.commitRefusal(o) === null);
    if (allowed.length > 0) await this.#commitOwned(allowed);
    const refused = this.commitRefusal(offsets);
    if (refused) throw refused;
  }

  /** The consumer group; transactional producers commit input offsets to it. */
  get groupId(): string {
    return this.#deps.config.groupId;
  }

  /**
   * Why these offsets may not be committed now (SLUICE_COMMIT_REJECTED naming the first refused
   * partition), or undefined: this member owns every partition and kafkajs has not handed any of
   * them to another member. Transactional commits check it too.
   */
  commitRefusal(offsets: readonly TopicPartitionOffset[]): SluiceError | undefined {
    for (const o of offsets) {
      const reason = this.#state.commitRefusal(o);
      if (reason !== null) return commitRejected([o], reason);
    }
    return undefined;
  }

  isAssigned(): boolean {
    return !this.#closing && this.#failure === undefined && this.#state.settled;
  }

  assignment(): TopicPartition[] {
    return [...this.#state.owned.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Waits for a running poll, then leaves the group and disconnects (bounded by closeTimeoutMs). */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#restartTimer);
    this.#signal.notify();
    await this.#poll.idle();
    this.#closed = true;
    const { closeTimeoutMs, logger } = this.#deps;
    // kafkajs ignores a stop while its runner is still starting (its running flag is set only
    // after the join), then fetches anyway with a disconnected client, crashes, restarts and
    // rejoins: a zombie member. So a start in progress is let reach its first fetch (or crash).
    if (this.#starting) await this.#settledStart(closeTimeoutMs);
    try {
      await withTimeout(this.#consumer.disconnect(), closeTimeoutMs);
    } catch (error) {
      logger.warn(
        { err: error },
        'kafka consumer did not leave its group cleanly; its partitions move after the session timeout',
      );
    } finally {
      this.#queue.clear();
      this.#deps.onClose(this);
    }
  }

  #run(): void {
    this.#starting = true;
    this.#consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: this.#feeder.eachBatch,
      })
      // run() itself rejects only on misuse; its failures arrive as CRASH events.
      .catch((error: unknown) => this.#crashed(error, false));
  }

  #listen(): void {
    const consumer = this.#consumer;
    const { events } = consumer;
    const { health, name } = this.#deps;
    consumer.on(events.GROUP_JOIN, (e) => this.#joined(e.payload.memberAssignment));
    consumer.on(events.REBALANCING, () => this.#rebalanceDetected());
    consumer.on(events.CRASH, (e) => this.#crashed(e.payload.error, e.payload.restart));
    consumer.on(events.COMMIT_OFFSETS, (e) => this.#witness.observe(e.payload.topics));
    consumer.on(events.CONNECT, () => {
      // After subscribe, only a (re)starting runner connects.
      if (this.#subscribed) this.#starting = true;
      health.markUp(name);
    });
    // Emitted only once the runner is running, so a stop from now on is honoured.
    consumer.on(events.FETCH_START, () => this.#startSettledNow());
    consumer.on(events.REQUEST, () => health.markUp(name));
    consumer.on(events.REQUEST_TIMEOUT, () => health.requestTimedOut(name));
    consumer.on(events.DISCONNECT, () => {
      if (!this.#closing) health.markDown(name, 'consumer disconnected');
    });
  }

  /** GROUP_JOIN, emitted inside kafkajs's join before it fetches for the new generation. */
  #joined(memberAssignment: IMemberAssignment): void {
    if (this.#closing) return;
    const assignment = Object.entries(memberAssignment).flatMap(([topic, partitions]) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    this.#queue.clear();
    this.#kafkaPauses.resumeAll();
    this.#state.joined(assignment);
    this.#failure = undefined;
    this.#restarts = 0;
    this.#deps.health.markUp(this.#deps.name);
    this.#deps.logger.debug({ assignment }, 'kafkajs joined the group');
    this.#signal.notify();
  }

  #rebalanceDetected(): void {
    if (!this.#state.rebalanceDetected()) return;
    this.#queue.clear();
    this.#signal.notify();
  }

  /** CRASH: kafkajs left the group and disconnected; it restarts by itself only when `restart` is set. */
  #crashed(error: unknown, restart: boolean): void {
    this.#startSettledNow();
    if (this.#closing) return;
    const { health, name, logger, config } = this.#deps;
    this.#state.crashed();
    this.#queue.clear();
    this.#kafkaPauses.forget();
    health.markDown(name, restart ? 'consumer crashed; kafkajs restarts it' : 'consumer crashed', error);
    if (!restart) {
      this.#failure = consumerCrashed(config.groupId, error);
      const delayMs = backoffDelayMs(Math.min(this.#restarts++, 5), {
        initialDelayMs: 1_000,
        maxDelayMs: 30_000,
        factor: 2,
        jitter: 0.2,
      });
      logger.error(
        { err: error, restartInMs: delayMs },
        'kafka consumer crashed and kafkajs will not restart it',
      );
      this.#restartTimer = setTimeout(() => {
        this.#restartTimer = undefined;
        if (!this.#closing) this.#run();
      }, delayMs);
      this.#restartTimer.unref();
    }
    this.#signal.notify();
  }

  async #commitOwned(offsets: TopicPartitionOffset[]): Promise<void> {
    const watch = this.#witness.watch(offsets);
    try {
      await this.#consumer.commitOffsets(
        offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) })),
      );
    } catch (error) {
      if (isRebalanceError(error) || isNotRunning(error)) {
        throw commitRejected(
          offsets,
          `the group is rebalancing or this member left it (${errorMessage(error)})`,
          error,
        );
      }
      const subject = offsets.map((o) => partitionId(o.topic, o.partition)).join(',');
      throw toSluiceError(error, 'offset commit', subject);
    } finally {
      watch.end();
    }
    if (!watch.seen) {
      throw commitRejected(offsets, 'the kafkajs consumer is stopping or restarting; nothing was committed');
    }
  }

  #settledStart(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#startSettled = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #startSettledNow(): void {
    if (!this.#starting) return;
    this.#starting = false;
    const wake = this.#startSettled;
    this.#startSettled = null;
    wake?.();
  }
}

/** kafkajs's answer to a call between a crash and its restart (no consumer group exists then). */
function isNotRunning(error: unknown): boolean {
  return error instanceof Error && error.message.includes('Consumer group was not initialized');
}
