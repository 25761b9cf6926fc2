import { afterAll, describe, expect, it } from 'vitest';
import { PipelineStatsSampler } from '../../app/pipeline-stats.ts';
import { silentLogger } from '../../core/logger.ts';
import { consumerLag } from '../../streams/index.ts';
import { closeSharedScorer, generatedRecords, waitFor } from '../support/embedded-harness.ts';
import {
  DEFAULT_KAFKA_CLIENT,
  kafkaConfig,
  openTransport,
  produceAll,
  startKafkaTopology,
  uniqueNames,
} from '../support/kafka-pipeline.ts';
import { waitForAsync } from '../support/wait-for.ts';

afterAll(closeSharedScorer);

describe.each([DEFAULT_KAFKA_CLIENT])('the stats sample on Kafka with the %s client', (client) => {
  it("reads each input partition's lag from the broker: the whole backlog before, none once committed", async () => {
    const names = uniqueNames(`lag-${client}`);
    const config = kafkaConfig(client, names, { batch: { maxDelayMs: 20 } });
    const transport = await openTransport(config);
    await transport.ensureTopics([{ topic: names.topics.events, partitions: config.topics.partitions }]);
    await produceAll(
      transport,
      names.topics.events,
      generatedRecords(2000, 41).map((e) => e.record),
    );
    // Before the group ever committed: every record of the backlog is lag.
    const before = await consumerLag(transport, names.groupId, [names.topics.events]);
    expect(before).toHaveLength(config.topics.partitions);
    expect(before.every((p) => p.committed === null && p.lag === p.end)).toBe(true);
    expect(before.reduce((n, p) => n + p.lag, 0)).toBe(2000);
    const topology = await startKafkaTopology(config, transport);
    const stats = new PipelineStatsSampler({
      topology,
      transport,
      groupId: names.groupId,
      topics: [names.topics.events],
      logger: silentLogger,
    });
    try {
      // Lag is read in the background: sample until a read has come back.
      const first = await waitForAsync(
        async () => {
          stats.sample(Date.now());
          await new Promise((r) => setTimeout(r, 100));
          return (stats.latest?.lag.length ?? 0) === config.topics.partitions;
        },
        30_000,
        'a first lag reading',
      ).then(() => stats.latest!);
      expect(first.lag.reduce((n, p) => n + p.end, 0)).toBe(2000);
      await waitFor(() => topology.totals.delivered >= 2000, 60_000, 'all 2000 predictions');
      await waitForAsync(
        async () => {
          stats.sample(Date.now());
          await new Promise((r) => setTimeout(r, 100));
          return stats.latest?.lagTotal === 0;
        },
        60_000,
        'the lag to reach 0 once everything is committed',
      );
      const last = stats.latest!;
      expect(last.lag.map((p) => p.partition).sort()).toEqual(
        Array.from({ length: config.topics.partitions }, (_, p) => p),
      );
      expect(last.lag.every((p) => p.committed === p.end)).toBe(true);
      expect(last.lag.reduce((n, p) => n + p.end, 0)).toBe(2000);
    } finally {
      await topology.stop(10_000);
      await transport.close();
    }
  }, 120_000);
});
