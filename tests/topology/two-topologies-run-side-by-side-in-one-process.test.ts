import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { scoringTopology } from '../../app/topologies/scoring.ts';
import { RecordError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { MemoryFeatureStore } from '../../processors/enrich/index.ts';
import { codecs, type Prediction } from '../../schemas/index.ts';
import { deadLetterTopicSink, topicSink } from '../../sinks/index.ts';
import { EmbeddedTransport } from '../../streams/embedded/index.ts';
import type { ConsumedRecord } from '../../streams/index.ts';
import {
  type PipelineItem,
  Topologies,
  type TopologyDeclaration,
  TopologyRuntime,
} from '../../streams/pipeline/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  sharedScorer,
  testConfig,
  waitFor,
} from '../support/embedded-harness.ts';
import { fatalErrors } from '../support/fatal-errors.ts';

afterAll(closeSharedScorer);

interface HighScore extends PipelineItem {
  prediction: Prediction;
}

/** A second topology fed by the first: it reads the predictions topic and copies every score above 0.5. */
function highScores(config: ReturnType<typeof testConfig>): TopologyDeclaration<HighScore> {
  return {
    name: 'high-scores',
    topics: [
      { topic: 'high-scores', partitions: 2 },
      { topic: 'high-scores.dlq', partitions: 1 },
    ],
    source: { topics: ['predictions'], consumer: { ...config.consumer, groupId: 'high-scores' } },
    decode: {
      id: 'decode',
      process(consumed: ConsumedRecord) {
        const prediction = codecs.prediction.type.fromBuffer(consumed.record.value!) as Prediction;
        if (prediction.score <= 0.5)
          return new RecordError('validate', 'SLUICE_VALIDATE_OUT_OF_RANGE', 'not a high score');
        return { consumed, error: undefined, prediction };
      },
    },
    batch: config.batch,
    stages: [],
    sinks: [
      topicSink('high-scores', (item) => ({ key: item.prediction.key, value: item.consumed.record.value })),
    ],
    deadLetters: deadLetterTopicSink('high-scores.dlq', {
      encode: (failed) => ({
        records: failed.map((f) => ({ key: f.consumed.record.key, value: null })),
        letters: [],
      }),
    }),
  };
}

describe('two topologies in one process', () => {
  it('each deliver everything, through their own groups, with metrics labelled by topology and registered once', async () => {
    const config = testConfig({ topics: { partitions: 2 } });
    const transport = new EmbeddedTransport();
    const registry = new Registry();
    const options = { transport, logger: silentLogger, registry, onFatal: fatalErrors.onFatal };
    const scoring = new TopologyRuntime(
      scoringTopology({
        config,
        featureStore: await MemoryFeatureStore.fromJsonl(config.features.seedFile),
        scorer: await sharedScorer(),
      }),
      options,
    );
    const topologies = new Topologies([scoring, new TopologyRuntime(highScores(config), options)]);
    await topologies.start();
    const [, second] = topologies.runtimes;
    await waitFor(() => topologies.isConsuming(), 10_000, 'both consuming');

    const events = generatedRecords(2000, 31);
    const producer = await transport.createProducer();
    await producer.send(
      'events',
      events.map((e) => e.record),
    );
    await waitFor(() => scoring.totals.delivered === events.length, 20_000, 'every event scored');
    await waitFor(
      () => second!.totals.consumed === events.length,
      20_000,
      'every prediction read by the second',
    );
    await waitFor(
      () => second!.totals.delivered + second!.totals.deadLetters === events.length,
      20_000,
      'every prediction handled by the second',
    );
    const { drained } = await topologies.stop(10_000);
    expect(drained).toBe(true);

    const high = transport
      .readAll('predictions')
      .filter((r) => (codecs.prediction.type.fromBuffer(r.value!) as Prediction).score > 0.5);
    expect(transport.readAll('high-scores')).toHaveLength(high.length);
    expect(second!.totals.delivered).toBe(high.length);
    expect(
      transport
        .committedOffsets('sluice', 'events')
        .map((o) => o ?? 0)
        .reduce((a, b) => a + b, 0),
    ).toBe(events.length);
    expect(
      transport
        .committedOffsets('high-scores', 'predictions')
        .map((o) => o ?? 0)
        .reduce((a, b) => a + b, 0),
    ).toBe(events.length);

    const text = await registry.metrics();
    expect(text).toContain(`sluice_records_consumed_total{topology="scoring"} ${events.length}`);
    expect(text).toContain(`sluice_records_consumed_total{topology="high-scores"} ${events.length}`);
    expect(text).toContain(`sluice_predictions_total{topology="scoring"} ${events.length}`);
    expect(text).toContain(`sluice_records_delivered_total{topology="high-scores"} ${high.length}`);
    expect(text.match(/^# HELP sluice_records_consumed_total /gm)).toHaveLength(1);
    // Every stable stage id of the scoring path is timed, under its topology's label (in any label order).
    const stageCount = (topology: string, stage: string) =>
      Number(
        text.match(
          new RegExp(
            `^sluice_stage_duration_seconds_count\\{(?=[^}]*stage="${stage}")(?=[^}]*topology="${topology}")[^}]*\\} (\\d+)$`,
            'm',
          ),
        )?.[1],
      );
    for (const stage of ['decode', 'batch', 'enrich', 'infer', 'encode', 'sink'])
      expect(stageCount('scoring', stage), stage).toBeGreaterThan(0);
    expect(stageCount('high-scores', 'decode')).toBeGreaterThan(0);
  });
});
