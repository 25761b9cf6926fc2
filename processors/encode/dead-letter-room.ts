import { ConfigError } from '../../core/errors.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, type TopicSpec, type Transport } from '../../streams/index.ts';
import { DEAD_LETTER_OVERHEAD_BYTES } from './dead-letter.ts';

/** The largest dead letter a cap of `maxOriginalBytes` can produce. */
export function maxDeadLetterBytes(maxOriginalBytes: number): number {
  return maxOriginalBytes + DEAD_LETTER_OVERHEAD_BYTES;
}

/** The DLQ topic as Sluice creates it when missing: with room for the largest dead letter. */
export function deadLetterTopicSpec(topic: string, partitions: number, maxOriginalBytes: number): TopicSpec {
  const bytes = Math.max(DEFAULT_MAX_MESSAGE_BYTES, maxDeadLetterBytes(maxOriginalBytes));
  return { topic, partitions, configs: { 'max.message.bytes': String(bytes) } };
}

/**
 * Refuses to start (ConfigError, exit 2) when the largest dead letter would not fit the DLQ
 * topic's `max.message.bytes` or the producer's `message.max.bytes`: a dead letter the broker
 * refuses would hold its partition's commit forever. Called at start, after the topic exists.
 */
export async function assertDeadLettersFit(
  transport: Pick<Transport, 'describeTopicConfigs' | 'producerMaxRecordBytes'>,
  topic: string,
  maxOriginalBytes: number,
): Promise<void> {
  const needed = maxDeadLetterBytes(maxOriginalBytes);
  const cap = `deadLetters.maxOriginalBytes=${maxOriginalBytes}`;
  const configs = await transport.describeTopicConfigs(topic);
  const topicLimit = Number(configs['max.message.bytes'] ?? DEFAULT_MAX_MESSAGE_BYTES);
  if (topicLimit < needed) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `${cap}: a dead letter can take ${needed} bytes (the cap plus ${DEAD_LETTER_OVERHEAD_BYTES} of envelope), ` +
        `but topic "${topic}" accepts at most ${topicLimit} (its max.message.bytes); ` +
        `raise the topic's max.message.bytes to at least ${needed} or lower deadLetters.maxOriginalBytes to at most ${topicLimit - DEAD_LETTER_OVERHEAD_BYTES}`,
      { subject: 'deadLetters.maxOriginalBytes' },
    );
  }
  const producerLimit = transport.producerMaxRecordBytes();
  if (producerLimit !== undefined && producerLimit < needed) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `${cap}: a dead letter can take ${needed} bytes, but the producer sends at most ${producerLimit} ` +
        `(message.max.bytes); set transport.kafka.rdkafka."message.max.bytes" to at least ${needed} or lower deadLetters.maxOriginalBytes`,
      { subject: 'deadLetters.maxOriginalBytes' },
    );
  }
}
