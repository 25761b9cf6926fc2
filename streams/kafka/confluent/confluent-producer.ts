import type { Logger } from '../../../core/logger.ts';
import type { OutgoingRecord, ProducerClient } from '../../types.ts';
import { partitionId } from '../../types.ts';
import type { BrokerHealth } from './broker-health.ts';
import { confluentClosed, RdCode, rdCode, toSluiceError } from './confluent-errors.ts';
import type { RdDeliveryReport, RdKafkaError, RdProducer } from './rdkafka-api.ts';
import { toHeaderList } from './record-mapping.ts';

// While librdkafka's local queue is full, retry this often; delivery reports drain it meanwhile.
const QUEUE_FULL_RETRY_MS = 5;
// Delivery reports reach JS when the producer is polled: by librdkafka's background thread where the
// binding supports it (no latency added), else by a JS timer at this interval.
const POLL_INTERVAL_MS = 5;
const CLOSE_FLUSH_MS = 10_000;

/** One `send` call: settles once every record of it has a delivery report. */
interface PendingSend {
  readonly topic: string;
  readonly records: readonly OutgoingRecord[];
  /** Next record to hand to librdkafka (records before it are queued there). */
  next: number;
  /** Records handed over whose delivery report has not arrived. */
  outstanding: number;
  failure: { error: RdKafkaError; partition: number } | undefined;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Idempotent producer on librdkafka. `send` resolves only when every record of the call is
 * acknowledged by the broker (acks=all). Records are handed over strictly in call order: when the
 * local queue is full, later sends wait behind the blocked one, so per-key order holds across calls.
 */
export class ConfluentProducer implements ProducerClient {
  readonly #client: RdProducer;
  readonly #health: BrokerHealth;
  readonly #logger: Logger;
  readonly #onClose: (producer: ConfluentProducer) => void;
  /** Sends not yet fully handed to librdkafka, oldest first. */
  readonly #backlog: PendingSend[] = [];
  readonly #inFlight = new Set<PendingSend>();
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    client: RdProducer,
    health: BrokerHealth,
    logger: Logger,
    onClose: (p: ConfluentProducer) => void,
  ) {
    this.#client = client;
    this.#health = health;
    this.#logger = logger;
    this.#onClose = onClose;
    client.on('delivery-report', (err, report) => this.#onDelivery(err, report));
    if (client.setPollInBackground) client.setPollInBackground(true);
    else client.setPollInterval(POLL_INTERVAL_MS);
  }

  send(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (this.#closed) return Promise.reject(confluentClosed(`producer.send to "${topic}"`));
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const pending: PendingSend = {
        topic,
        records,
        next: 0,
        outstanding: 0,
        failure: undefined,
        resolve,
        reject,
      };
      this.#inFlight.add(pending);
      this.#backlog.push(pending);
      if (this.#backlog.length === 1) this.#drain();
    });
  }

  /** Waits (bounded) for outstanding deliveries, then disconnects; unsent records reject their sends. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    for (const pending of this.#backlog.splice(0))
      this.#abandon(pending, 'producer closed before the records were sent');
    await new Promise<void>((resolve) => {
      try {
        this.#client.flush(CLOSE_FLUSH_MS, () => resolve());
      } catch {
        resolve();
      }
    });
    await new Promise<void>((resolve) => this.#client.disconnect(() => resolve()));
    for (const pending of [...this.#inFlight])
      this.#abandon(pending, 'producer closed before delivery was confirmed');
    this.#health.forget(this.#client);
    this.#onClose(this);
  }

  /** Hands backlog records to librdkafka in order until done or its queue is full. */
  #drain(): void {
    this.#retryTimer = undefined;
    while (this.#backlog.length > 0) {
      const pending = this.#backlog[0]!;
      if (!this.#produceFrom(pending)) {
        this.#retryTimer = setTimeout(() => this.#drain(), QUEUE_FULL_RETRY_MS);
        return;
      }
      this.#backlog.shift();
    }
  }

  /** False when librdkafka's queue filled up; the send stays at the head of the backlog. */
  #produceFrom(pending: PendingSend): boolean {
    const { topic, records } = pending;
    for (; pending.next < records.length; pending.next++) {
      const record = records[pending.next]!;
      try {
        this.#client.produce(
          topic,
          record.partition ?? null,
          record.value ?? null,
          record.key ?? null,
          record.timestampMs ?? null,
          pending,
          record.headers === undefined ? undefined : toHeaderList(record.headers),
        );
      } catch (error) {
        if (rdCode(error) === RdCode.QUEUE_FULL) {
          this.#client.poll();
          return false;
        }
        // Not queued, so no report will come for this record or any after it.
        const partition = record.partition ?? -1;
        pending.failure ??= { error: error as RdKafkaError, partition };
        pending.next = records.length;
        this.#settleIfDone(pending);
        return true;
      }
      pending.outstanding++;
    }
    return true;
  }

  #onDelivery(err: RdKafkaError | null, report: RdDeliveryReport): void {
    const pending = report.opaque as PendingSend | undefined;
    if (!pending || !this.#inFlight.has(pending)) return;
    pending.outstanding--;
    if (err) pending.failure ??= { error: err, partition: report.partition };
    else this.#health.markUp(this.#client);
    this.#settleIfDone(pending);
  }

  #settleIfDone(pending: PendingSend): void {
    if (pending.outstanding > 0 || pending.next < pending.records.length) return;
    this.#inFlight.delete(pending);
    const failure = pending.failure;
    if (!failure) {
      pending.resolve();
      return;
    }
    const where = failure.partition >= 0 ? partitionId(pending.topic, failure.partition) : pending.topic;
    this.#logger.warn(
      { topic: pending.topic, partition: failure.partition, err: failure.error },
      'Kafka delivery failed',
    );
    pending.reject(toSluiceError(failure.error, `delivery to ${where} failed`, where));
  }

  #abandon(pending: PendingSend, reason: string): void {
    if (!this.#inFlight.delete(pending)) return;
    pending.reject(confluentClosed(`producer.send to "${pending.topic}": ${reason}`));
  }
}
