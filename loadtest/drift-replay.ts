import { driftSettings } from '../app/drift-parts.ts';
import { createLogger } from '../core/logger.ts';
import { DriftReportSink, type PartialItem } from '../processors/drift/aggregate/drift-report-sink.ts';
import type { DriftAlert } from '../processors/drift/alerts/drift-alert.ts';
import { driftConfigSchema } from '../processors/drift/drift-config.ts';
import { DriftTap } from '../processors/drift/tap/drift-tap.ts';
import { decodePartial } from '../processors/drift/tap/partial-message.ts';
import { fraudBundle, type ModelBundle } from '../processors/infer/index.ts';
import type { ScoringItem } from '../processors/scoring-item.ts';
import { codecs, DecodeFailure, type DriftReport } from '../schemas/index.ts';
import type { OutgoingRecord, ProducerClient, Transport } from '../streams/index.ts';
import { type SinkContext, StageMetrics } from '../streams/pipeline/index.ts';

/** Keeps what is sent, per topic: the replay's stand-in for the partials, drift and alerts topics. */
class CollectingProducer implements ProducerClient {
  readonly sent = new Map<string, OutgoingRecord[]>();
  async send(topic: string, records: OutgoingRecord[]): Promise<void> {
    const list = this.sent.get(topic) ?? [];
    list.push(...records);
    this.sent.set(topic, list);
  }
  take(topic: string): OutgoingRecord[] {
    const list = this.sent.get(topic) ?? [];
    this.sent.set(topic, []);
    return list;
  }
  async close(): Promise<void> {}
}

const TOPICS = { events: 'events', driftPartials: 'drift.partials', alerts: 'alerts', drift: 'drift' };

export interface DriftReplayResult {
  reports: DriftReport[];
  alerts: DriftAlert[];
  events: number;
  /** Time spent in the tap's observe, ns per event. */
  tapNsPerEvent: number;
  /** Time spent merging partials and writing reports, ns per event. */
  aggregateNsPerEvent: number;
}

/**
 * Runs batches of delivered items through the real drift tap and the real aggregator sink, with
 * a collecting producer in place of the broker: one replica's partials feed the aggregator after
 * every batch. The calibration test and the drift benchmark use it; the topology path is covered
 * end to end elsewhere.
 */
export async function replayDrift(
  batches: AsyncIterable<ScoringItem[]>,
  options: {
    drift?: Record<string, unknown> | undefined;
    /** The input topic and its partitions, as the items' records name them. */
    events?: string;
    partitions?: number;
    /** The bundle whose profile is watched; default the fraud example's. */
    bundle?: Pick<ModelBundle, 'drift' | 'row' | 'output' | 'manifest'>;
  } = {},
): Promise<DriftReplayResult> {
  const bundle = options.bundle ?? fraudBundle();
  const config = {
    drift: driftConfigSchema.parse(options.drift ?? {}),
    topics: {
      ...TOPICS,
      events: options.events ?? TOPICS.events,
      deadLetters: 'events.dlq',
      predictions: 'predictions',
      partitions: options.partitions ?? 4,
    },
    consumer: {} as never,
    deadLetters: {} as never,
  };
  const settings = driftSettings({
    config,
    bundle: bundle as ModelBundle,
    scorer: { model: bundle.manifest.name, version: bundle.manifest.version },
    replica: 'replay',
  });
  if (!settings) throw new Error('the fraud bundle has no drift profile');
  const producer = new CollectingProducer();
  const transport = { createProducer: async () => producer, producerMaxRecordBytes: () => undefined };
  const context: SinkContext = {
    topology: 'scoring',
    logger: createLogger('silent'),
    metrics: new StageMetrics(undefined, 'scoring'),
    stopping: new AbortController().signal,
    shutdown: new AbortController().signal,
    transport: transport as unknown as Transport,
    producer,
  };
  const tap = new DriftTap(settings.tap);
  const sink = new DriftReportSink({
    ...settings.report(),
    driftTopic: TOPICS.drift,
    alertsTopic: TOPICS.alerts,
  });
  await tap.open(context);
  sink.open(context);
  let events = 0;
  let tapNs = 0n;
  let aggregateNs = 0n;
  const feed = async () => {
    const started = process.hrtime.bigint();
    const items: PartialItem[] = producer.take(TOPICS.driftPartials).map((record) => {
      const partial = decodePartial(record.value);
      if (typeof partial === 'string') throw new Error(partial);
      return { consumed: undefined as never, partial, error: undefined };
    });
    if (items.length > 0) await sink.write(items);
    aggregateNs += process.hrtime.bigint() - started;
  };
  for await (const batch of batches) {
    const started = process.hrtime.bigint();
    tap.observe(batch);
    tapNs += process.hrtime.bigint() - started;
    events += batch.length;
    // Partials are sent asynchronously; let the sends settle before the aggregator reads them.
    await new Promise((resolve) => setImmediate(resolve));
    await feed();
  }
  await tap.close();
  await feed();
  await sink.close();
  return {
    reports: producer.take(TOPICS.drift).map((r) => {
      const report = codecs.driftReport.decode(r.value!);
      if (report instanceof DecodeFailure) throw new Error(report.message);
      return report;
    }),
    alerts: [...producer.take(TOPICS.alerts)].map((r) => JSON.parse(r.value!.toString()) as DriftAlert),
    events,
    tapNsPerEvent: Number(tapNs) / Math.max(1, events),
    aggregateNsPerEvent: Number(aggregateNs) / Math.max(1, events),
  };
}
