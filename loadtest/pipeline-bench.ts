import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { configSchema } from '../app/config/index.ts';
import { driftSettings } from '../app/drift-parts.ts';
import type { ScoringParts } from '../app/topologies/scoring.ts';
import { preciseNowMs } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { TransactionGenerator } from '../models/generator/index.ts';
import { DriftTap } from '../processors/drift/tap/drift-tap.ts';
import { MemoryFeatureStore } from '../processors/enrich/index.ts';
import { fraudBundle, type InferencePool } from '../processors/infer/index.ts';
import { codecs, DecodeFailure, type Prediction } from '../schemas/index.ts';
import type { LiveFeed } from '../sinks/websocket/index.ts';
import { EmbeddedTransport } from '../streams/embedded/index.ts';
import { timedScoringTopology } from './first-record-clock.ts';
import { measureInferenceThroughput } from './inference-throughput.ts';

/** Avro bodies of generated events, as producers publish them. */
export function generateEncodedEvents(count: number, seed = 99): Array<{ key: string; value: Buffer }> {
  const generator = new TransactionGenerator({
    seed,
    users: 5000,
    startTimeMs: Date.now() - 3_600_000,
    eventsPerSecond: 10_000,
  });
  const out = new Array<{ key: string; value: Buffer }>(count);
  for (let i = 0; i < count; i++) {
    const { event } = generator.next();
    out[i] = { key: event.key, value: codecs.event.encode(event) };
  }
  return out;
}

/**
 * The codec floor: decode each input and encode a prediction for it, in a tight loop on one core.
 * `per-record` encodes each prediction on its own (`toBuffer`); `batched` uses the shared-buffer
 * encoding the pipeline itself uses, the fastest this codec goes. The end-to-end rate is reported
 * as a share of both.
 */
export function measureCodecFloor(
  events: Array<{ value: Buffer }>,
  encoding: 'per-record' | 'batched',
  minDurationMs = 1500,
): { eventsPerSecond: number; microsPerEvent: number } {
  const template: Prediction = {
    event_id: '',
    key: '',
    model: 'fraud',
    model_version: '1',
    score: 0.5,
    label: 0,
    features_missing: [],
    features_stale: [],
    event_time: 0,
    ingest_time: 0,
    inference_time: 0,
    latency_ms: 1.5,
    source_partition: 0,
    source_offset: 0,
    outputs: {},
  };
  let processed = 0;
  const started = performance.now();
  let sink = 0;
  const BATCH = 256;
  while (performance.now() - started < minDurationMs) {
    for (let from = 0; from < events.length; from += BATCH) {
      const predictions: Prediction[] = [];
      for (let i = from; i < Math.min(from + BATCH, events.length); i++) {
        const event = codecs.event.decode(events[i]!.value);
        if (event instanceof DecodeFailure) throw new Error('bench events must decode');
        predictions.push({
          ...template,
          event_id: event.event_id,
          key: event.key,
          event_time: event.event_time,
          source_offset: i,
          outputs: {},
        });
      }
      if (encoding === 'batched')
        for (const bytes of codecs.prediction.encodeBatch(predictions)) sink += bytes.length;
      else for (const prediction of predictions) sink += codecs.prediction.encode(prediction).length;
    }
    processed += events.length;
  }
  const elapsedMs = performance.now() - started;
  if (sink === 0) throw new Error('unreachable');
  return { eventsPerSecond: (processed / elapsedMs) * 1000, microsPerEvent: (elapsedMs * 1000) / processed };
}

const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Another bundle than the fraud example: its config sections and the parts loaded from them. */
export interface BenchModel extends Pick<ScoringParts, 'contract' | 'featureView' | 'vector'> {
  config: Record<string, unknown>;
}

/** One end-to-end run: a backlog of `events` on the embedded broker, drained by the whole topology. */
export async function measurePipeline(
  scorer: InferencePool,
  events: Array<{ key: string; value: Buffer }>,
  batch: { maxBatchSize: number; maxDelayMs?: number },
  model?: BenchModel,
  options: { drift?: boolean; liveFeed?: LiveFeed | undefined } = {},
): Promise<{
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  events: number;
  seconds: number;
  /** Process CPU (every thread) from the topology's start to its last delivery, per event. */
  cpuMicrosPerEvent: number;
}> {
  // The shipped defaults but for the batch closing rule: the bench measures the pipeline users get.
  const { config: sections, ...parts } = model ?? { config: {} };
  const config = configSchema.parse({ ...sections, batch });
  const transport = new EmbeddedTransport({ retentionRecords: Math.max(1_000_000, events.length) });
  const featureStore = await MemoryFeatureStore.fromJsonl(config.features.seedFile);
  // The row the server compiles from the bundle, as `npm start` uses it.
  // Drift windows as `npm start` runs them (on by default for a bundle with a profile); the
  // aggregator's cost is per window, not per event, and drift-bench measures it.
  const drift =
    model || options.drift === false
      ? undefined
      : driftSettings({ config, bundle: fraudBundle(), scorer, replica: 'bench' });
  const { topology, firstRecordAtMs } = timedScoringTopology({
    transport,
    config,
    featureStore,
    scorer,
    vector: fraudBundle().row,
    driftTap: drift && new DriftTap(drift.tap),
    liveFeed: options.liveFeed,
    ...parts,
    logger: silentLogger,
  });
  await transport.ensureTopics([{ topic: 'events', partitions: config.topics.partitions }]);
  const producer = await transport.createProducer();
  for (let i = 0; i < events.length; i += 10_000) await producer.send('events', events.slice(i, i + 10_000));

  // Each run starts from a collected heap, so a major GC left over from setup or from the previous
  // run's garbage does not land at a random point inside this one.
  collectGarbage();
  // The clock starts at the first fetched record, as in the Kafka bench (see first-record-clock.ts).
  const cpuBefore = process.cpuUsage();
  await topology.start();
  while (topology.totals.delivered < events.length) await new Promise((r) => setTimeout(r, 2));
  const seconds = (preciseNowMs() - firstRecordAtMs()) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const latency = topology.latency.overall();
  await topology.stop(5000);
  await transport.close();
  return {
    eventsPerSecond: events.length / seconds,
    p50Ms: latency.p50,
    p99Ms: latency.p99,
    events: events.length,
    seconds,
    cpuMicrosPerEvent: (cpu.user + cpu.system) / events.length,
  };
}

export { measureInferenceThroughput };
