/** What the queue needs of a record: its bytes, to bound a merged request. Both clients' messages and Sluice's OutgoingRecord fit. */
export interface SizedRecord {
  key?: Buffer | string | null | undefined;
  value?: Buffer | string | null | undefined;
  headers?: Readonly<Record<string, unknown>> | undefined;
}

/** Sends one request's worth of records of one topic, resolving once the broker acknowledged them. */
export type SendRequest<M extends SizedRecord> = (topic: string, messages: M[]) => Promise<void>;

/** Bounds on what one request may merge. */
export interface OrderedSendQueueOptions {
  /** How long the first record waits for company when nothing is in flight (`transport.kafka.lingerMs`). */
  lingerMs: number;
  /** Merged sends stop growing past this many bytes of keys and values (the first one is never split). */
  maxRequestBytes: number;
  maxRequestRecords: number;
}

interface Pending<M> {
  readonly topic: string;
  readonly messages: M[];
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Keeps overlapping `send` calls in call order on the wire. The engine hands a batch to the
 * producer and moves on to the next before the first is acknowledged, relying on records of a key
 * reaching the broker in hand-over order, as librdkafka's synchronous produce() guarantees. kafkajs's
 * and @platformatic/kafka's `send` are asynchronous end to end (metadata, locks, retries), so two overlapping calls may reach
 * the broker in either order. This queue runs one request at a time and merges what waits meanwhile
 * (consecutive sends to the same topic), so order holds and batches stay large.
 */
export class OrderedSendQueue<M extends SizedRecord> {
  readonly #request: SendRequest<M>;
  readonly #options: OrderedSendQueueOptions;
  readonly #pending: Array<Pending<M>> = [];
  #running = false;
  #linger: NodeJS.Timeout | undefined;
  #idle: Array<() => void> = [];

  constructor(request: SendRequest<M>, options: OrderedSendQueueOptions) {
    this.#request = request;
    this.#options = options;
  }

  /**
   * Resolves once every record of this call is acknowledged; rejects with the error of the request
   * it went in. A call larger than one request is split into consecutive requests, so no request
   * (and no partition's batch in it) outgrows `maxRequestBytes` but by a single record.
   */
  send(topic: string, messages: M[]): Promise<void> {
    const bytes = sizeOf(messages);
    if (bytes <= this.#options.maxRequestBytes && messages.length <= this.#options.maxRequestRecords)
      return this.#enqueue(topic, messages, bytes);
    const parts: Array<Promise<void>> = [];
    let start = 0;
    let partBytes = 0;
    for (let i = 0; i < messages.length; i++) {
      const size = sizeOfOne(messages[i]!);
      const full =
        partBytes + size > this.#options.maxRequestBytes || i - start >= this.#options.maxRequestRecords;
      if (i > start && full) {
        parts.push(this.#enqueue(topic, messages.slice(start, i), partBytes));
        start = i;
        partBytes = 0;
      }
      partBytes += size;
    }
    parts.push(this.#enqueue(topic, messages.slice(start), partBytes));
    return Promise.all(parts).then(() => undefined);
  }

  #enqueue(topic: string, messages: M[], bytes: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ topic, messages, bytes, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (!this.#running && this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#running || this.#linger) return;
    if (this.#options.lingerMs <= 0) {
      void this.#drain();
      return;
    }
    this.#linger = setTimeout(() => {
      this.#linger = undefined;
      void this.#drain();
    }, this.#options.lingerMs);
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#pending.length > 0) {
      const merged = this.#takeRequest();
      const messages = merged.length === 1 ? merged[0]!.messages : merged.flatMap((p) => p.messages);
      try {
        await this.#request(merged[0]!.topic, messages);
        for (const p of merged) p.resolve();
      } catch (error) {
        for (const p of merged) p.reject(error);
      }
    }
    this.#running = false;
    const idle = this.#idle;
    this.#idle = [];
    for (const wake of idle) wake();
  }

  /** The longest run of waiting sends to the head's topic that fits one request (at least the head). */
  #takeRequest(): Array<Pending<M>> {
    const { maxRequestBytes, maxRequestRecords } = this.#options;
    const head = this.#pending[0]!;
    let bytes = head.bytes;
    let records = head.messages.length;
    let count = 1;
    while (count < this.#pending.length) {
      const next = this.#pending[count]!;
      if (next.topic !== head.topic) break;
      if (bytes + next.bytes > maxRequestBytes || records + next.messages.length > maxRequestRecords) break;
      bytes += next.bytes;
      records += next.messages.length;
      count++;
    }
    return this.#pending.splice(0, count);
  }
}

function sizeOf(messages: readonly SizedRecord[]): number {
  let bytes = 0;
  for (const m of messages) bytes += sizeOfOne(m);
  return bytes;
}

function sizeOfOne(m: SizedRecord): number {
  let bytes = byteLength(m.key) + byteLength(m.value);
  if (m.headers)
    for (const name of Object.keys(m.headers)) {
      const value = m.headers[name];
      bytes += name.length + (typeof value === 'string' || Buffer.isBuffer(value) ? value.length : 0);
    }
  return bytes;
}

// A string's length undercounts multi-byte characters; close enough for a merge bound.
function byteLength(data: Buffer | string | null | undefined): number {
  return data == null ? 0 : data.length;
}
