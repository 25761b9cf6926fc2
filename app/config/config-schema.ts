import { z } from 'zod';
import {
  DEFAULT_EVENT_SCHEMA,
  decodeConfigSchema,
  eventsConfigSchema,
} from '../../processors/decode/index.ts';
import { driftConfigSchema } from '../../processors/drift/drift-config.ts';
import { deadLetterConfigSchema } from '../../processors/encode/index.ts';
import { enrichConfigSchema } from '../../processors/enrich/index.ts';
import { inferConfigSchema } from '../../processors/infer/infer-config.ts';
import { redisSinkConfigSchema } from '../../sinks/redis/index.ts';
import { liveServerConfigSchema, unlistedFilterableChannels } from '../../sinks/websocket/index.ts';
import { consumerConfigSchema } from '../../streams/index.ts';
import { kafkaConfigSchema } from '../../streams/kafka/kafka-config.ts';
import { batchConfigSchema } from '../../streams/pipeline/index.ts';

const topicsSchema = z
  .strictObject({
    events: z.string().min(1).default('events'),
    predictions: z.string().min(1).default('predictions'),
    deadLetters: z.string().min(1).default('events.dlq'),
    /** Drift reports (Avro, schemas/drift-report.avsc), one per window. */
    drift: z.string().min(1).default('drift'),
    /** The drift taps' window partials (JSON), which the drift aggregator merges; created with one partition. */
    driftPartials: z.string().min(1).default('drift.partials'),
    /** Drift alerts (JSON): raised, cleared, fast-shift. */
    alerts: z.string().min(1).default('alerts'),
    /** Partitions of each topic Sluice creates. */
    partitions: z.number().int().min(1).max(10_000).default(4),
  })
  .prefault({});

const transportSchema = z
  .strictObject({
    kind: z.enum(['embedded', 'kafka']).default('embedded'),
    // Records kept per partition of each embedded topic: bounds the memory of a long `npm start`.
    embedded: z.strictObject({ retentionRecords: z.number().int().min(1000).default(50_000) }).prefault({}),
    kafka: kafkaConfigSchema,
  })
  .prefault({});

const generatorSchema = z
  .strictObject({
    /** The built-in event generator; on by default only with the embedded transport. */
    enabled: z.boolean().optional(),
    /**
     * A JSONL or CSV file of events of `events.schema` to replay instead of generating fraud
     * transactions (any bundle's example events); streamed, bad lines logged and skipped.
     */
    file: z.string().min(1).optional(),
    /** With `file`: start again at its first line when it ends. */
    loop: z.boolean().default(false),
    ratePerSecond: z.number().positive().max(10_000_000).default(500),
    seed: z.number().int().default(42),
    users: z.number().int().min(1).default(5000),
    /** Stop after this many events; 0 runs until shutdown. */
    maxEvents: z.number().int().nonnegative().default(0),
  })
  .prefault({});

/**
 * Live channels the pipeline publishes on (app/scoring-output.ts: `predictions` for every batch,
 * `deadletters` when someone listens); `websocket.channels` must list each, or the first batch's
 * publish would fail at run time.
 */
export const PUBLISHED_LIVE_CHANNELS = ['predictions', 'deadletters'] as const;

/** The live port's WebSocket settings; `port` and `host` are top-level keys (SLUICE_PORT). */
const websocketSchema = z
  .strictObject(liveServerConfigSchema.omit({ port: true, host: true }).shape)
  .superRefine((websocket, ctx) => {
    const missing = PUBLISHED_LIVE_CHANNELS.filter((channel) => !websocket.channels.includes(channel));
    if (missing.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['channels'],
        message: `must include ${missing.map((c) => `"${c}"`).join(' and ')}, which the pipeline publishes on (has: ${websocket.channels.join(', ')})`,
      });
    }
    const unlisted = unlistedFilterableChannels(websocket);
    if (unlisted.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['filterableChannels'],
        message: `${unlisted.map((c) => `"${c}"`).join(', ')} is not in websocket.channels`,
      });
    }
  })
  .prefault({});

function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false; // z.url() reports it
  }
}

const schemaRegistrySchema = z
  .strictObject({
    /** With a URL, inputs must be in the Confluent wire format and outputs are written in it. */
    url: z
      .url()
      // Credentials go in username/password (redacted in every output), never in the URL.
      .refine(
        (url) => !hasCredentials(url),
        'must not carry credentials; set schemaRegistry.username and schemaRegistry.password',
      )
      .optional(),
    username: z.string().optional(),
    password: z.string().optional(),
  })
  .prefault({});

/** The whole config file. Every key has a default, so `npm start` needs no file. */
export const configSchema = z
  .strictObject({
    port: z.number().int().min(0).max(65_535).default(8080),
    // Loopback unless websocket.auth is configured or websocket.allowAnonymous is set (README "Live feed security").
    host: z.string().default('127.0.0.1'),
    log: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .prefault({}),
    transport: transportSchema,
    /**
     * `at-least-once`: offsets are committed after the sinks acked (a crash re-scores at most the
     * in-flight bound). `exactly-once` (Kafka only): outputs and input offsets commit in one Kafka
     * transaction, so read_committed readers see each event's prediction exactly once.
     */
    delivery: z.enum(['at-least-once', 'exactly-once']).default('at-least-once'),
    topics: topicsSchema,
    schemaRegistry: schemaRegistrySchema,
    consumer: consumerConfigSchema,
    events: eventsConfigSchema,
    decode: decodeConfigSchema,
    deadLetters: deadLetterConfigSchema,
    batch: batchConfigSchema,
    features: enrichConfigSchema,
    model: inferConfigSchema,
    drift: driftConfigSchema,
    generator: generatorSchema,
    websocket: websocketSchema,
    sinks: z.strictObject({ redis: redisSinkConfigSchema }).prefault({}),
    status: z.strictObject({ intervalMs: z.number().int().min(0).default(5000) }).prefault({}),
    shutdown: z.strictObject({ timeoutMs: z.number().int().min(100).max(60_000).default(8000) }).prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.transport.kafka.groupInstanceId !== undefined && config.transport.kafka.client === 'kafkajs') {
      ctx.addIssue({
        code: 'custom',
        path: ['transport', 'kafka', 'groupInstanceId'],
        message:
          'static group membership needs the platformatic or Confluent client (kafkajs has no group.instance.id); set transport.kafka.client: platformatic or remove it',
      });
    }
    const generates = config.generator.enabled ?? config.transport.kind === 'embedded';
    if (generates && !config.generator.file && config.events.schema !== DEFAULT_EVENT_SCHEMA) {
      ctx.addIssue({
        code: 'custom',
        path: ['generator', 'file'],
        message: `the built-in generator writes the fraud example's events, not ${config.events.schema}; set generator.file to a file of your events, or generator.enabled: false`,
      });
    }
    if (config.delivery === 'exactly-once' && config.transport.kind !== 'kafka') {
      ctx.addIssue({
        code: 'custom',
        path: ['delivery'],
        message:
          'exactly-once needs the Kafka transport (transactions); set KAFKA_BROKERS or transport.kind: kafka',
      });
    }
  });

export type SluiceConfig = z.infer<typeof configSchema>;
