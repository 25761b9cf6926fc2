import { preciseNowMs } from '../../core/clock.ts';
import {
  codecs,
  frameWithSchemaId,
  type Prediction,
  type SchemaRegistryClient,
} from '../../schemas/index.ts';
import type { OutgoingRecord } from '../../streams/index.ts';
import type { BatchStage, BoundCounter } from '../../streams/pipeline/index.ts';
import type { ScoringItem } from '../scoring-item.ts';
import { predictionRecord, toPrediction } from './record-routing.ts';
import { TraceContextFilter } from './trace-context-filter.ts';

/** What the encode stage needs: the topic and, with a registry, the client to register with. */
export interface EncodeStageOptions {
  /** With a registry the predictions are framed in the Confluent wire format under `<topic>-value`. */
  schemaRegistry?: SchemaRegistryClient | undefined;
  topic: string;
}

/**
 * The `encode` stage: each scored item's prediction, Avro-encoded in one batch (values carved from
 * shared slabs), framed with the registry's schema id when there is one, and its Kafka record
 * (keyed like its input, valid trace context carried on). Sinks and taps take it from here.
 */
export function encodeStage(options: EncodeStageOptions): BatchStage<ScoringItem> {
  let schemaId: number | undefined;
  let trace: TraceContextFilter | undefined;
  let defaulted: BoundCounter<'feature'> | undefined;
  return {
    id: 'encode',
    async open(context) {
      trace = new TraceContextFilter(context.metrics);
      defaulted = context.metrics.counter(
        'sluice_features_defaulted_total',
        'Missing features replaced by their default, by feature',
        ['feature'],
      );
      if (options.schemaRegistry) {
        schemaId = await options.schemaRegistry.register(
          `${options.topic}-value`,
          codecs.prediction.type.schema(),
        );
      }
    },
    async process(items) {
      const now = preciseNowMs();
      const predictions = new Array<Prediction>(items.length);
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        predictions[i] = toPrediction(item, now);
        if (item.missing.length > 0) for (const feature of item.missing) defaulted!.inc({ feature });
      }
      const values = codecs.prediction.encodeBatch(predictions);
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        const value = schemaId === undefined ? values[i]! : frameWithSchemaId(schemaId, values[i]!);
        const input = item.consumed.record;
        item.prediction = predictions[i];
        item.output = predictionRecord(
          predictions[i]!,
          value,
          input,
          trace!.of(input.headers),
        ) as OutgoingRecord;
      }
    },
  };
}
