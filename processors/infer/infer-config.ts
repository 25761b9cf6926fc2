import { z } from 'zod';

/** Config of the `infer` stage (key `model`). */
export const inferConfigSchema = z
  .strictObject({
    /** The model's manifest.json; the .onnx path inside it is relative to the manifest. */
    manifest: z.string().min(1).default('models/fraud/manifest.json'),
    /** Execution providers to try in order; each unavailable one is logged and skipped. */
    providers: z
      .array(z.enum(['cuda', 'tensorrt', 'cpu']))
      .min(1)
      .default(['cpu']),
    /** Worker threads, each with its own session. */
    workers: z.number().int().min(1).max(64).default(1),
    /** ONNX Runtime intra-op threads per session. */
    intraOpThreads: z.number().int().min(1).max(64).default(1),
    warmupBatchSize: z.number().int().min(1).default(256),
  })
  .prefault({});

export type InferConfig = z.infer<typeof inferConfigSchema>;
