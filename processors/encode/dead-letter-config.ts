import { z } from 'zod';

/** Config of dead letters (key `deadLetters`): the only source of their defaults and limits. */
export const deadLetterConfigSchema = z
  .strictObject({
    /**
     * Bytes of the original key, value and headers a dead letter keeps whole; beyond it they are
     * cut to a prefix with the original sizes and SHA-256 digests. The DLQ topic and the producer
     * must accept this plus 16 KiB (the envelope): Sluice checks both at start.
     */
    maxOriginalBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(256 * 1024),
  })
  .prefault({});

export type DeadLetterConfig = z.infer<typeof deadLetterConfigSchema>;
