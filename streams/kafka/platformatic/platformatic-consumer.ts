import { Consumer, type ConsumerOptions, type GroupAssignment, kGetApi } from '@platformatic/kafka';
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
import type { ConnectionHealth } from '../connection-health.ts';
import { BatchQueue } from '../pull-bridge/batch-queue.ts';
import { MemberState } from '../pull-bridge/member-state.ts';
import { pollQueued, type QueuedPoll } from '../pull-bridge/poll-queued.ts';
import { Signal } from '../pull-bridge/signal.ts';
import { FetchLoop } from './fetch-loop.ts';
import { FetchPositions } from './fetch-positions.ts';
import { clientClosed, commitRejected, isRebalanceError, toSluiceError } from './platformatic-errors.ts';
import type { PlatformaticRecordMapper } from './record-mapping.ts';
import { requiringStable, resetPositions, startingPositions } from './starting-positions.ts';

/** What the transport hands each consumer. */
export interface PlatformaticConsumerDeps {
  options: ConsumerOptions<Buffer, Buffer, Buffer, Buffer>;
  name: string;
  fromBeginning: boolean;
  listener: RebalanceListener;
  health: ConnectionHealth;
  logger: Logger;
  /** Records fetched ahead of `poll`, all partitions together. */
  queueLimit: number;
  /** Bound on leaving the group in `close`. */
  closeTimeoutMs: number;
  onClose: (consumer: PlatformaticConsumer) => void;
  /** Maps each fetched record; tests pass one that fails. */
  mapRecord?: PlatformaticRecordMapper | undefined;
}

const MAX_WAIT_MS = 250;
const MAX_BYTES = 4 * 1024 * 1024;
const PARTITION_MAX_BYTES = 1024 * 1024;
const READ_COMMITTED = 1;

type GetApi = (name: string, callback: (error: Error | null, api: unknown) => void) => void;

/**
 * A consumer-group member on @platformatic/kafka, driven by the engine's `poll` loop. The client
 * manages membership (join, sync, heartbeats, eager rejoin); Sluice does its own fetching
 * (FetchLoop), so pause and resume are per partition and positions come from committed offsets.
 *
 * Revocation is awaited before partitions move: the client's JoinGroup request is held (through
 * its API lookup hook, `kGetApi`) until the engine's `onRevoked`, run inside `poll`, has finished
 * and committed, for at most half the rebalance timeout. Classic groups need every member's
 * JoinGroup before anyone gets an assignment, so no other member fetches a partition this one is
 * still processing. `commit` resolves once the coordinator stored the offsets.
 */
export class PlatformaticConsumer implements ConsumerClient {
  readonly #consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly #deps: PlatformaticConsumerDeps;
  readonly #state = new MemberState();
  readonly #queue: BatchQueue;
  readonly #positions = new FetchPositions();
  readonly #arrived = new Signal();
  readonly #wake = new Signal();
  readonly #fetcher: FetchLoop;
  readonly #pollParts: QueuedPoll;
  readonly #poll = new PollGuard('Kafka consumer');
  #topics: string[] = [];
  #subscribed = false;
  #closing = false;
  #closed = false;
  /** Set while the member could not (re)join its group; `poll` throws it. */
  #failure: SluiceError | undefined;
  #rejoins = 0;
  /** Offset commits of ours in flight: the client rejoins from inside one whose generation ended. */
  #commitsInFlight = 0;
  #rejoinTimer: NodeJS.Timeout | undefined;

  constructor(deps: PlatformaticConsumerDeps) {
    this.#deps = deps;
    this.#consumer = new Consumer(deps.options);
    this.#queue = new BatchQueue(deps.queueLimit);
    this.#pollParts = {
      state: this.#state,
      listener: deps.listener,
      queue: this.#queue,
      arrived: this.#arrived,
      failure: () => this.#failure,
      closing: () => this.#closing,
      taken: () => this.#wake.notify(),
    };
    this.#fetcher = new FetchLoop({
      consumer: this.#consumer as unknown as Consumer,
      topics: () => this.#topics,
      state: this.#state,
      positions: this.#positions,
      queue: this.#queue,
      recordsArrived: this.#arrived,
      wake: this.#wake,
      health: deps.health,
      name: deps.name,
      logger: deps.logger,
      closing: () => this.#closing,
      resetOutOfRange: (generation, positions) => this.#resetOutOfRange(generation, positions),
      maxWaitMs: MAX_WAIT_MS,
      maxBytes: MAX_BYTES,
      partitionMaxBytes: PARTITION_MAX_BYTES,
      isolationLevel: READ_COMMITTED,
      mapRecord: deps.mapRecord,
    });
    this.#holdJoinUntilRevoked();
    this.#listen();
  }

  /** Checks the topics exist, then joins the group in the background; `poll` announces the assignment. */
  async subscribe(topics: string[]): Promise<void> {
    if (this.#closing) throw clientClosed('consumer.subscribe');
    if (this.#subscribed) throw new Error('consumer: subscribe() twice');
    try {
      await this.#consumer.metadata({ topics });
    } catch (error) {
      throw toSluiceError(error, `consumer.subscribe(${topics.join(', ')})`, topics.join(','));
    }
    this.#topics = [...topics];
    for (const topic of topics) this.#consumer.topics.track(topic);
    this.#subscribed = true;
    this.#join();
    this.#fetcher.start();
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

  /** Paused partitions keep their queued records but hand none out, and are not fetched. */
  pause(partitions: TopicPartition[]): void {
    this.#state.pause(partitions);
  }

  resume(partitions: TopicPartition[]): void {
    if (this.#state.resume(partitions).length === 0) return;
    this.#wake.notify();
    this.#arrived.notify();
  }

  /**
   * Commits the offsets of partitions this member owns; the others, and commits the coordinator
   * refuses because the group moved on, are rejected with SLUICE_COMMIT_REJECTED.
   */
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (this.#closed) throw clientClosed('consumer.commit');
    if (offsets.length === 0) return;
    const allowed = offsets.filter((o) => this.#state.commitRefusal(o) === null);
    if (allowed.length > 0) {
      this.#commitsInFlight++;
      try {
        await this.#consumer.commit({
          offsets: allowed.map(({ topic, partition, offset }) => ({
            topic,
            partition,
            offset: BigInt(offset),
            leaderEpoch: -1,
          })),
        });
      } catch (error) {
        if (isRebalanceError(error)) {
          throw commitRejected(
            allowed,
            `the group is rebalancing or this member left it (${errorMessage(error)})`,
            error,
          );
        }
        throw toSluiceError(
          error,
          'offset commit',
          allowed.map((o) => `${o.topic}[${o.partition}]`).join(','),
        );
      } finally {
        this.#commitsInFlight--;
      }
    }
    const refused = this.commitRefusal(offsets);
    if (refused) throw refused;
  }

  /** The consumer group; transactional producers commit input offsets to it. */
  get groupId(): string {
    return this.#consumer.groupId;
  }

  /** The client, for a transactional producer's offset commit. */
  get client(): Consumer<Buffer, Buffer, Buffer, Buffer> {
    return this.#consumer;
  }

  /** Why these offsets may not be committed now, or undefined when this member owns them all. */
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

  /** Waits for a running poll and the fetch loop, then leaves the group (bounded by closeTimeoutMs). */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#rejoinTimer);
    this.#arrived.notify();
    await this.#poll.idle();
    await this.#fetcher.stopped();
    this.#closed = true;
    try {
      await withTimeout(this.#consumer.close(true) as unknown as Promise<void>, this.#deps.closeTimeoutMs);
    } catch (error) {
      this.#deps.logger.warn(
        { err: error },
        'kafka consumer did not leave its group cleanly; its partitions move after the session timeout',
      );
    } finally {
      this.#queue.clear();
      this.#deps.onClose(this);
    }
  }

  #join(): void {
    this.#consumer.joinGroup({}).catch((error: unknown) => this.#joinFailed(error));
  }

  #listen(): void {
    const { health, name } = this.#deps;
    this.#consumer.on('consumer:group:join', ({ assignments }) => this.#joined(assignments ?? []));
    this.#consumer.on('consumer:group:rebalance', () => this.#rebalanceDetected());
    this.#consumer.on('consumer:heartbeat:end', () => health.markUp(name));
    this.#consumer.on('consumer:heartbeat:error', ({ error }) =>
      health.markDown(name, 'heartbeat failed', error),
    );
    // A rejoin the client started itself (after a heartbeat error) failed for good.
    this.#consumer.on('error', (error: Error) => this.#joinFailed(error));
  }

  /**
   * The client looks each API up right before it sends a request; a JoinGroup lookup waits here
   * until the engine revoked what it owns (inside `poll`), so nothing moves while it is in flight.
   */
  #holdJoinUntilRevoked(): void {
    const client = this.#consumer as unknown as Record<symbol, GetApi>;
    const getApi = client[kGetApi]!.bind(this.#consumer);
    const waitMs = Math.floor((this.#deps.options.rebalanceTimeout ?? 60_000) / 2);
    const isStatic = this.#deps.options.groupInstanceId !== undefined;
    client[kGetApi] = (apiName, callback) => {
      if (apiName === 'LeaveGroup' && isStatic) {
        // KIP-345: a static member does not leave on shutdown (the Java client and librdkafka do not
        // either), so a restart within the session timeout gets its partitions back without a
        // rebalance. The client would send LeaveGroup from close(); it is answered here instead.
        callback(null, skipLeave);
        return;
      }
      if (apiName === 'OffsetFetch') {
        getApi(apiName, (error, api) => callback(error, api && requiringStable(api)));
        return;
      }
      if (apiName !== 'JoinGroup') {
        getApi(apiName, callback);
        return;
      }
      this.#rebalanceDetected();
      // A commit the engine's revoke awaits may itself make the client rejoin (its generation
      // ended): holding that join would hold the revoke that waits for it.
      if (this.#state.revoking && this.#commitsInFlight > 0) {
        getApi(apiName, callback);
        return;
      }
      void this.#revoked(waitMs).then(() => getApi(apiName, callback));
    };
  }

  /** Resolves once nothing is left to revoke (or after `timeoutMs`, or when closing). */
  async #revoked(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.#state.revokeNeeded || this.#state.revoking) && !this.#closing) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.#deps.logger.warn(
          { waitedMs: timeoutMs },
          'kafka consumer rejoins before the engine finished revoking (is poll() being called?)',
        );
        return;
      }
      this.#arrived.notify();
      await this.#wake.wait(Math.min(left, 50));
    }
  }

  #rebalanceDetected(): void {
    if (!this.#state.rebalanceDetected()) return;
    this.#queue.clear();
    this.#positions.reset(this.#state.generation);
    this.#arrived.notify();
  }

  /** The client joined (again) and got `assignments`; positions come from the committed offsets. */
  #joined(assignments: readonly GroupAssignment[]): void {
    if (this.#closing) return;
    const assignment = assignments.flatMap(({ topic, partitions }) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    this.#queue.clear();
    this.#state.joined(assignment);
    this.#positions.reset(this.#state.generation);
    this.#failure = undefined;
    this.#rejoins = 0;
    this.#deps.health.markUp(this.#deps.name);
    this.#deps.logger.debug({ assignment }, 'platformatic consumer joined the group');
    const generation = this.#state.generation;
    this.#committedPositions(generation, assignment).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error }, 'kafka consumer could not read committed offsets; rejoining');
      this.#rebalanceDetected();
      this.#join();
    });
    this.#arrived.notify();
  }

  async #committedPositions(generation: number, assignment: readonly TopicPartition[]): Promise<void> {
    const positions = await startingPositions(this.#consumer, assignment, {
      fromBeginning: this.#deps.fromBeginning,
      stillWanted: () => !this.#closing && this.#state.generation === generation,
      logger: this.#deps.logger,
    });
    this.#positions.set(generation, positions);
    this.#wake.notify();
  }

  /** Out-of-range positions, reset by `auto.offset.reset`. */
  async #resetOutOfRange(generation: number, partitions: readonly TopicPartition[]): Promise<void> {
    const reset = await resetPositions(this.#consumer, partitions, this.#deps.fromBeginning);
    this.#deps.logger.warn({ reset }, 'kafka offsets out of range; reset by policy');
    this.#positions.set(generation, reset);
    this.#wake.notify();
  }

  /** The member could not join: `poll` throws until a rejoin, retried with backoff, succeeds. */
  #joinFailed(error: unknown): void {
    if (this.#closing) return;
    const { health, name, logger } = this.#deps;
    this.#state.crashed();
    this.#queue.clear();
    this.#positions.reset(this.#state.generation);
    health.markDown(name, 'consumer could not join its group', error);
    this.#failure = toSluiceError(
      error,
      `consumer of group "${this.#consumer.groupId}" join`,
      this.#consumer.groupId,
    );
    const delayMs = backoffDelayMs(Math.min(this.#rejoins++, 5), {
      initialDelayMs: 1_000,
      maxDelayMs: 30_000,
      factor: 2,
      jitter: 0.2,
    });
    logger.error({ err: error, rejoinInMs: delayMs }, 'kafka consumer is out of its group; rejoining');
    clearTimeout(this.#rejoinTimer);
    this.#rejoinTimer = setTimeout(() => {
      this.#rejoinTimer = undefined;
      if (!this.#closing) this.#join();
    }, delayMs);
    this.#rejoinTimer.unref();
    this.#arrived.notify();
  }
}

/** A LeaveGroup API call that sends nothing and succeeds (its callback is the last argument). */
function skipLeave(...args: unknown[]): void {
  (args[args.length - 1] as (error: null) => void)(null);
}
