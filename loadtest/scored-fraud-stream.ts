import { InferenceSession, Tensor } from 'onnxruntime-node';
import {
  buildUserFeatureRows,
  type DriftInjection,
  seedRowValues,
  TransactionGenerator,
} from '../models/generator/index.ts';
import { fraudBundle } from '../processors/infer/index.ts';
import { newScoringItem, type ScoringItem } from '../processors/scoring-item.ts';
import type { ConsumedRecord } from '../streams/index.ts';

export interface ScoredStreamOptions {
  seed: number;
  events: number;
  /** Event-time spacing: the built-in generator's default rate (config generator.ratePerSecond). */
  eventsPerSecond: number;
  startTimeMs: number;
  drift?: DriftInjection | undefined;
  /** Input partitions the events are spread over (round robin), each with its own offsets. */
  partitions?: number;
  batchSize?: number;
}

/**
 * The fraud example's stream as the drift tap sees it, without a broker: generated events, the
 * store features the training writer uses, the bundle's input row and the model's scores from
 * ONNX Runtime (in this thread), as delivered ScoringItems in batches. The drift calibration test
 * and the drift benchmark feed taps from it.
 */
export async function* scoredFraudBatches(options: ScoredStreamOptions): AsyncGenerator<ScoringItem[]> {
  const { row, manifest } = fraudBundle();
  const session = await InferenceSession.create(manifest.modelPath);
  try {
    const generator = new TransactionGenerator({
      seed: options.seed,
      startTimeMs: options.startTimeMs,
      eventsPerSecond: options.eventsPerSecond,
      drift: options.drift,
    });
    const store = new Map(buildUserFeatureRows(generator).map((r) => [r.key, seedRowValues(r)]));
    const none: Record<string, number> = {};
    const partitions = options.partitions ?? 4;
    const offsets = new Array<number>(partitions).fill(0);
    const batchSize = options.batchSize ?? 4096;
    for (let done = 0; done < options.events; ) {
      const n = Math.min(batchSize, options.events - done);
      const matrix = new Float32Array(n * row.width);
      const items: ScoringItem[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const { event, index } = generator.next();
        const features = store.get(event.key) ?? none;
        row.write(event, features, matrix, i * row.width);
        const partition = index % partitions;
        const consumed = {
          record: { topic: 'events', partition, offset: offsets[partition]!++ },
        } as unknown as ConsumedRecord;
        const item = newScoringItem(consumed, event, event.event_id, event.key, event.event_time);
        item.features = features;
        item.row = matrix.subarray(i * row.width, (i + 1) * row.width);
        items[i] = item;
      }
      const output = await session.run({ [manifest.input]: new Tensor('float32', matrix, [n, row.width]) });
      const probabilities = output[manifest.output]!.data as Float32Array;
      const classes = probabilities.length / n;
      const positive = manifest.positiveClassIndex ?? 1;
      for (let i = 0; i < n; i++) items[i]!.score = probabilities[i * classes + positive]!;
      done += n;
      yield items;
    }
  } finally {
    await session.release();
  }
}
