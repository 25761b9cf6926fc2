import { decodeStage, defaultEventContract, type EventContract } from '../../processors/decode/index.ts';
import { deadLetterEncoder, deadLetterTopicSpec, encodeStage } from '../../processors/encode/index.ts';
import { enrichStage, type FeatureStore, type FeatureViewSpec } from '../../processors/enrich/index.ts';
import { type FeatureVector, fraudBundle, inferStage, type Scorer } from '../../processors/infer/index.ts';
import type { ScoringItem } from '../../processors/scoring-item.ts';
import type { Prediction, SchemaRegistryClient } from '../../schemas/index.ts';
import { type BatchSink, deadLetterTopicSink, durableSink, topicSink } from '../../sinks/index.ts';
import { type LiveFeed, liveFeedTap } from '../../sinks/websocket/index.ts';
import type { Tap, TopologyDeclaration } from '../../streams/pipeline/index.ts';
import type { SluiceConfig } from '../config/index.ts';

/** What the scoring topology is declared from; the fraud example's contract, feature view and row are the defaults. */
export interface ScoringParts {
  config: Pick<SluiceConfig, 'topics' | 'consumer' | 'decode' | 'deadLetters' | 'batch' | 'features'> &
    Partial<Pick<SluiceConfig, 'delivery' | 'transport'>>;
  featureStore: FeatureStore;
  scorer: Scorer;
  /** The input events' schema and rules; default the fraud example's (config `events` at its defaults). */
  contract?: EventContract | undefined;
  featureView?: FeatureViewSpec | undefined;
  vector?: FeatureVector | undefined;
  /** With a registry, inputs are read in the Confluent wire format and outputs written in it. */
  schemaRegistry?: SchemaRegistryClient | undefined;
  /** Where the latest prediction per key is kept (Redis); each batch's ack also waits for its write. */
  predictionStore?: BatchSink<Prediction> | undefined;
  liveFeed?: LiveFeed | undefined;
  /** The drift tap (app/drift-parts.ts), when the bundle has a drift profile. */
  driftTap?: Tap<ScoringItem> | undefined;
}

/** events → decode → batch → enrich → infer → encode → predictions topic (+ store), dead letters, live feed, drift windows. */
export function scoringTopology(parts: ScoringParts): TopologyDeclaration<ScoringItem> {
  const { config, schemaRegistry, liveFeed, predictionStore } = parts;
  const { topics } = config;
  const spec = (topic: string) => ({ topic, partitions: topics.partitions });
  return {
    name: 'scoring',
    topics: [
      spec(topics.events),
      spec(topics.predictions),
      spec(topics.drift),
      deadLetterTopicSpec(topics.deadLetters, topics.partitions, config.deadLetters.maxOriginalBytes),
    ],
    source: { topics: [topics.events], consumer: config.consumer },
    decode: decodeStage(parts.contract ?? defaultEventContract(), config.decode, schemaRegistry),
    batch: config.batch,
    stages: [
      enrichStage(parts.featureStore, parts.featureView ?? fraudBundle().featureView, config.features),
      inferStage(parts.scorer, parts.vector ?? fraudBundle().row),
      encodeStage({ topic: topics.predictions, schemaRegistry }),
    ],
    sinks: [
      topicSink(topics.predictions, (item) => item.output!),
      ...(predictionStore
        ? [durableSink(predictionStore, (item: ScoringItem) => item.prediction!, { ordered: true })]
        : []),
    ],
    deadLetters: deadLetterTopicSink(
      topics.deadLetters,
      deadLetterEncoder({ maxOriginalBytes: config.deadLetters.maxOriginalBytes, schemaRegistry }),
      liveFeed &&
        ((letters) =>
          liveFeed.hasSubscribers('deadletters') && liveFeed.publishBatch('deadletters', letters)),
    ),
    taps: [
      ...(liveFeed ? [liveFeedTap(liveFeed, 'predictions', (item: ScoringItem) => item.prediction)] : []),
      ...(parts.driftTap ? [parts.driftTap] : []),
    ],
    delivery: config.delivery,
    transactionalId: config.transport?.kafka.transactionalId,
    deliveredMetric: { name: 'sluice_predictions_total', help: 'Predictions delivered to every sink' },
  };
}
