import {
  DriftReportSink,
  type DriftReportSinkOptions,
  type PartialItem,
} from '../../processors/drift/aggregate/drift-report-sink.ts';
import { partialDecodeStage } from '../../processors/drift/aggregate/partial-decode-stage.ts';
import { deadLetterEncoder, deadLetterTopicSpec } from '../../processors/encode/index.ts';
import { deadLetterTopicSink } from '../../sinks/index.ts';
import type { TopologyDeclaration } from '../../streams/pipeline/index.ts';
import type { SluiceConfig } from '../config/index.ts';

export interface DriftAggregatorParts {
  config: Pick<SluiceConfig, 'topics' | 'consumer' | 'deadLetters'>;
  report: Omit<DriftReportSinkOptions, 'driftTopic' | 'alertsTopic'>;
}

/**
 * drift.partials → merge per window → drift reports (topic `drift`), alerts (topic `alerts`), the
 * live `drift` and `alerts` channels and the drift gauges. Its own consumer group
 * (`<consumer.groupId>-drift`); the partials topic has one partition, so of several processes one
 * aggregates and the others stand by to take over.
 */
export function driftAggregatorTopology(parts: DriftAggregatorParts): TopologyDeclaration<PartialItem> {
  const { topics, consumer, deadLetters } = parts.config;
  return {
    name: 'drift-aggregator',
    topics: [
      { topic: topics.driftPartials, partitions: 1 },
      { topic: topics.drift, partitions: topics.partitions },
      { topic: topics.alerts, partitions: topics.partitions },
      deadLetterTopicSpec(topics.deadLetters, topics.partitions, deadLetters.maxOriginalBytes),
    ],
    source: {
      topics: [topics.driftPartials],
      consumer: { ...consumer, groupId: `${consumer.groupId}-drift`, maxPollRecords: 100 },
    },
    decode: partialDecodeStage(),
    batch: { maxBatchSize: 32, maxDelayMs: 5, maxConcurrentBatches: 1 },
    stages: [],
    sinks: [new DriftReportSink({ ...parts.report, driftTopic: topics.drift, alertsTopic: topics.alerts })],
    deadLetters: deadLetterTopicSink(
      topics.deadLetters,
      deadLetterEncoder({ maxOriginalBytes: deadLetters.maxOriginalBytes }),
    ),
    delivery: 'at-least-once',
    deliveredMetric: {
      name: 'sluice_drift_partials_merged_total',
      help: 'Drift partials merged into their windows',
    },
  };
}
