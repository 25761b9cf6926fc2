import { validateTopicSpec } from '../topic-spec.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, type TopicSpec } from '../types.ts';
import { PartitionLog } from './partition-log.ts';
import { unknownPartition, unknownTopic } from './transport-errors.ts';

/**
 * The embedded broker's topics. The transport creates and grows them; producers, consumers and
 * groups resolve names through it and get SLUICE_TOPIC_UNKNOWN for a name nobody created.
 */
export class TopicRegistry {
  readonly #topics = new Map<string, PartitionLog[]>();
  readonly #configs = new Map<string, Readonly<Record<string, string>>>();
  readonly #maxMessageBytes = new Map<string, number>();
  readonly #retentionRecords: number;

  constructor(retentionRecords: number) {
    this.#retentionRecords = retentionRecords;
  }

  /** Creates a missing topic or grows a smaller one (never shrinks); true when partitions were added. */
  ensure(spec: TopicSpec): boolean {
    const { topic, partitions } = spec;
    validateTopicSpec(spec);
    let logs = this.#topics.get(topic);
    if (!logs) {
      logs = [];
      this.#topics.set(topic, logs);
      // As in Kafka, configs are set when the topic is created; an existing topic keeps its own.
      const configs = { 'max.message.bytes': String(DEFAULT_MAX_MESSAGE_BYTES), ...spec.configs };
      this.#configs.set(topic, configs);
      this.#maxMessageBytes.set(topic, Number(configs['max.message.bytes']));
    }
    if (logs.length >= partitions) return false;
    // Grown in place: producers and consumers holding this array see the new partitions.
    for (let p = logs.length; p < partitions; p++)
      logs.push(new PartitionLog(topic, p, this.#retentionRecords));
    return true;
  }

  configs(topic: string): Readonly<Record<string, string>> {
    const configs = this.#configs.get(topic);
    if (!configs) throw unknownTopic(topic);
    return configs;
  }

  /** The largest record (key, value and headers) the topic accepts. */
  maxMessageBytes(topic: string): number {
    return this.#maxMessageBytes.get(topic) ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  has(topic: string): boolean {
    return this.#topics.has(topic);
  }

  /** The topic's partition logs, indexed by partition; the array grows in place with the topic. */
  logs(topic: string): PartitionLog[] {
    const logs = this.#topics.get(topic);
    if (!logs) throw unknownTopic(topic);
    return logs;
  }

  log(topic: string, partition: number): PartitionLog {
    const logs = this.logs(topic);
    const log = Number.isInteger(partition) ? logs[partition] : undefined;
    if (!log) throw unknownPartition(topic, partition, logs.length);
    return log;
  }

  partitionCount(topic: string): number {
    return this.logs(topic).length;
  }

  specs(): TopicSpec[] {
    return [...this.#topics].map(([topic, logs]) => ({
      topic,
      partitions: logs.length,
      configs: this.#configs.get(topic),
    }));
  }
}
