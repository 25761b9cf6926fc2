import { z } from 'zod';

/**
 * Config of the `decode` stage (key `decode`): limits that hold whatever the event type. The
 * bounds of the event's own fields are the event contract's (key `events`, events-config.ts).
 */
export const decodeConfigSchema = z
  .strictObject({
    /** Records larger than this become dead letters before any parsing. */
    maxMessageBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024),
  })
  .prefault({});

export type DecodeConfig = z.infer<typeof decodeConfigSchema>;
