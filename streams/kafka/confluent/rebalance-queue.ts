import type { Logger } from '../../../core/logger.ts';
import { partitionId, type RebalanceListener, type TopicPartition } from '../../types.ts';
import type { AssignedPartitions } from './assigned-partitions.ts';
import { RdCode, rdCode } from './confluent-errors.ts';
import type { RdKafkaConsumer, RdKafkaError, RebalanceCallback } from './rdkafka-api.ts';
import { toTopicPartitions } from './record-mapping.ts';

interface RebalanceEvent {
  readonly kind: 'assign' | 'revoke' | 'error';
  readonly partitions: TopicPartition[];
  /** Incremental (cooperative) protocol: assign/unassign only the listed partitions. */
  readonly cooperative: boolean;
  /** The partitions were already taken away (session lost); commits for them will be rejected. */
  readonly lost: boolean;
  readonly error: RdKafkaError | undefined;
}

/**
 * Defers librdkafka's rebalances to the engine's `poll()`. The binding calls `rebalance_cb` on the
 * JS thread but cannot wait for a promise; librdkafka, though, keeps the group waiting until the
 * application calls (incremental) assign/unassign, from any thread and at any later time. So the
 * callback only records the event, and `apply` (run by `poll`) awaits the listener first:
 * `onRevoked` finishes (drains and commits) before unassign lets the partitions move, and
 * `onAssigned` runs after assign so it may pause the new partitions.
 */
export class RebalanceQueue {
  readonly #events: RebalanceEvent[] = [];
  readonly #assigned: AssignedPartitions;
  readonly #logger: Logger;
  readonly #cooperativeConfigured: boolean;
  #client: RdKafkaConsumer | undefined;
  /** While closing, events are applied as they arrive (librdkafka's close waits for the unassign). */
  #immediate = false;
  /** Applications run one after another, never interleaved. */
  #tail: Promise<void> = Promise.resolve();
  #settled = false;

  constructor(assigned: AssignedPartitions, logger: Logger, cooperativeConfigured: boolean) {
    this.#assigned = assigned;
    this.#logger = logger;
    this.#cooperativeConfigured = cooperativeConfigured;
  }

  /** The `rebalance_cb` to configure the client with. */
  readonly callback: RebalanceCallback = (err, assignment) => {
    const client = this.#client;
    if (!client) return;
    this.#settled = false;
    const code = rdCode(err);
    const kind =
      code === RdCode.ASSIGN_PARTITIONS ? 'assign' : code === RdCode.REVOKE_PARTITIONS ? 'revoke' : 'error';
    const protocol = safe(() => client.rebalanceProtocol(), 'NONE');
    this.#events.push({
      kind,
      partitions: toTopicPartitions(assignment ?? []),
      cooperative: protocol === 'COOPERATIVE' || (protocol === 'NONE' && this.#cooperativeConfigured),
      lost: kind !== 'assign' && safe(() => client.assignmentLost(), false),
      error: kind === 'error' ? err : undefined,
    });
    if (this.#immediate) this.#applyDetached();
  };

  attach(client: RdKafkaConsumer): void {
    this.#client = client;
  }

  get pending(): boolean {
    return this.#events.length > 0;
  }

  /** An assignment has been applied and no rebalance event has arrived since. */
  get settled(): boolean {
    return this.#settled;
  }

  /** From now on, apply events as soon as they arrive, without the listener (used by close). */
  applyImmediately(): void {
    this.#immediate = true;
    this.#applyDetached();
  }

  #applyDetached(): void {
    this.apply(null).catch((error: unknown) =>
      this.#logger.warn({ err: error }, 'Kafka rebalance during close failed'),
    );
  }

  /**
   * Applies queued events in order. With a listener, each revoke awaits `onRevoked` before the
   * library unassigns; a listener that throws still lets the unassign happen, and the first error
   * is rethrown after the queue is empty.
   */
  apply(listener: RebalanceListener | null): Promise<void> {
    const run = this.#tail.then(() => this.#drain(listener));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #drain(listener: RebalanceListener | null): Promise<void> {
    let failure: { error: unknown } | undefined;
    while (this.#events.length > 0) {
      const event = this.#events.shift()!;
      try {
        if (event.kind === 'assign') await this.#assign(event, listener);
        else await this.#revoke(event, listener);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  async #assign(event: RebalanceEvent, listener: RebalanceListener | null): Promise<void> {
    const client = this.#client!;
    if (!event.cooperative) {
      // Eager: the list is the whole new assignment; anything still held was implicitly revoked.
      const keep = new Set(event.partitions.map((tp) => partitionId(tp.topic, tp.partition)));
      const stale = this.#assigned.list().filter((tp) => !keep.has(partitionId(tp.topic, tp.partition)));
      if (stale.length > 0) {
        try {
          await listener?.onRevoked(stale);
        } finally {
          this.#assigned.remove(stale);
        }
      }
    }
    if (event.cooperative) client.incrementalAssign(event.partitions);
    else client.assign(event.partitions);
    const gained = this.#assigned.add(event.partitions);
    this.#logger.debug({ partitions: gained, cooperative: event.cooperative }, 'Kafka partitions assigned');
    if (this.#events.length === 0) this.#settled = true;
    if (gained.length > 0) await listener?.onAssigned(gained);
  }

  async #revoke(event: RebalanceEvent, listener: RebalanceListener | null): Promise<void> {
    const client = this.#client!;
    // An error event means "drop everything" (librdkafka's documented reaction is unassign()).
    const partitions = event.kind === 'error' ? this.#assigned.list() : event.partitions;
    if (event.kind === 'error')
      this.#logger.warn({ err: event.error }, 'Kafka rebalance error; unassigning all');
    if (event.lost)
      this.#logger.warn({ partitions }, 'Kafka assignment lost; their commits will be rejected');
    const held = partitions.filter((tp) => this.#assigned.has(tp));
    try {
      if (held.length > 0) await listener?.onRevoked(held);
    } finally {
      this.#assigned.remove(partitions);
      try {
        if (event.cooperative) client.incrementalUnassign(partitions);
        else client.unassign();
      } catch (error) {
        // Only fails once the client is gone, when there is nothing left to release.
        this.#logger.debug({ err: error }, 'Kafka unassign failed');
      }
      this.#logger.debug({ partitions: held, cooperative: event.cooperative }, 'Kafka partitions revoked');
    }
  }
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
