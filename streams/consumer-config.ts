import { z } from 'zod';

/** Config of the consumer loop (key `consumer`). */
export const consumerConfigSchema = z
  .strictObject({
    groupId: z.string().min(1).default('sluice'),
    /** Records fetched per poll at most. */
    maxPollRecords: z.number().int().min(1).max(100_000).default(1000),
    /** How long an idle poll waits for records. */
    pollWaitMs: z.number().int().min(1).max(10_000).default(100),
    /**
     * Records between fetch and ack, per process. Reaching it pauses the partitions. 20000 measured
     * no faster than 5000 (embedded and Kafka), at four times the latency and the crash-replay bound.
     */
    maxInFlight: z.number().int().min(1).default(5_000),
    /** Partitions resume once in-flight falls to maxInFlight × resumeRatio. */
    resumeRatio: z.number().min(0).max(1).default(0.5),
    /** How often acked offsets are committed; records acked since the last commit are re-read after a crash. */
    commitIntervalMs: z.number().int().min(1).default(1000),
    revokeDrainTimeoutMs: z.number().int().min(0).default(5000),
  })
  .prefault({});

export type ConsumerConfig = z.infer<typeof consumerConfigSchema>;
