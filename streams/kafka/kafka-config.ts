import { z } from 'zod';

/** Config of the Kafka transport (key `transport.kafka`); both client adapters read the same keys. */
export const kafkaConfigSchema = z
  .strictObject({
    /** host:port list; `KAFKA_BROKERS=a:9092,b:9092` sets it and selects the Kafka transport. */
    brokers: z.array(z.string().min(1)).default([]),
    /**
     * `platformatic` (@platformatic/kafka, pure TypeScript; the default, chosen by measurement: see
     * the README's Kafka performance section), `confluent` (librdkafka through
     * @confluentinc/kafka-javascript, a native optional dependency) or `kafkajs` (pure JS,
     * unmaintained since 2023).
     */
    client: z.enum(['confluent', 'platformatic', 'kafkajs']).default('platformatic'),
    clientId: z.string().min(1).default('sluice'),
    /** Producer compression. kafkajs decodes gzip natively; the other codecs need the Confluent client on both ends. */
    compression: z.enum(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('none'),
    /** TLS to the brokers (system CAs unless `caFile` is set). */
    ssl: z.boolean().default(false),
    caFile: z.string().optional(),
    sasl: z
      .strictObject({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: z.string().min(1),
        password: z.string().min(1),
      })
      .optional(),
    /**
     * Static group membership (KIP-345; the platformatic and Confluent clients, not kafkajs): this instance's `group.instance.id`,
     * unique per running instance and stable across its restarts (a StatefulSet pod name, say). An
     * instance that restarts within `sessionTimeoutMs` gets its partitions back without a
     * rebalance; the price is that a static member never leaves its group, so on a scale-down its
     * partitions move only once the session times out.
     */
    groupInstanceId: z.string().min(1).max(249).optional(),
    /** A member silent for this long is removed from the group. */
    sessionTimeoutMs: z.number().int().min(1000).default(10_000),
    /** Bound on a broker round trip (librdkafka's socket.timeout.ms, which allows at most 300000). */
    requestTimeoutMs: z.number().int().min(100).max(300_000).default(30_000),
    /**
     * `delivery: exactly-once` only: the producer's transactional.id. Unique per live instance and
     * stable across its restarts (a StatefulSet pod name, say), so a restart aborts its predecessor's
     * open transaction at once. Default: `<consumer.groupId>-<hostname>`.
     */
    transactionalId: z.string().min(1).optional(),
    /** A transaction open longer than this is aborted by the broker (bounds how long a crash blocks read_committed readers). */
    transactionTimeoutMs: z.number().int().min(1000).max(900_000).default(10_000),
    /** Producer linger: how long records wait to fill a request. */
    lingerMs: z.number().int().min(0).default(5),
    /** Extra librdkafka properties, passed through as-is (Confluent client only). */
    rdkafka: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  })
  .prefault({});

export type KafkaConfig = z.infer<typeof kafkaConfigSchema>;
