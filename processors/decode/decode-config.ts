import { z } from 'zod';

/** Config of the `decode` stage (key `decode`): the only source of its defaults and limits. */
export const decodeConfigSchema = z
  .strictObject({
    /** Records larger than this become dead letters before any parsing. */
    maxMessageBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024),
    /** Amounts outside [0, maxAmount] are dead letters (stage validate). */
    maxAmount: z.number().positive().default(10_000_000),
    /** Strings longer than this (event_id, key, category, country) are dead letters. */
    maxStringLength: z.number().int().positive().default(256),
    /** Event times outside (now - maxEventAgeDays, now + maxClockSkewMs) are dead letters. */
    maxEventAgeDays: z.number().positive().default(3650),
    maxClockSkewMs: z
      .number()
      .int()
      .nonnegative()
      .default(24 * 3600 * 1000),
  })
  .prefault({});

export type DecodeConfig = z.infer<typeof decodeConfigSchema>;
