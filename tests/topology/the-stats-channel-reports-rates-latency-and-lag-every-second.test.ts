import { afterAll, describe, expect, it } from 'vitest';
import type { PipelineStats } from '../../app/pipeline-stats.ts';
import { runPipeline } from '../../app/run-pipeline.ts';
import { silentLogger } from '../../core/logger.ts';
import { TransactionGenerator } from '../../models/generator/index.ts';
import { codecs } from '../../schemas/index.ts';
import { EmbeddedTransport } from '../../streams/embedded/index.ts';
import { testConfig } from '../support/embedded-harness.ts';
import { TestClient, waitUntil } from '../support/live-server-harness.ts';

describe('the stats channel', () => {
  const transport = new EmbeddedTransport();
  afterAll(() => transport.close());

  it('carries, once a second, events in and out, latency, dead letters, batch size, in-flight and lag per partition', async () => {
    const config = testConfig({
      port: 0,
      host: '127.0.0.1',
      generator: { enabled: false },
      status: { intervalMs: 0 },
    });
    const pipeline = await runPipeline(config, silentLogger, { transport });
    const client = await TestClient.connect(pipeline.server.port);
    try {
      await client.subscribe('stats');
      const generator = new TransactionGenerator({ seed: 3 });
      const producer = await transport.createProducer();
      // Events that happened a minute ago, as if they had waited in Kafka: a backlog shows from event time.
      const minuteAgo = Date.now() - 60_000;
      const events = Array.from({ length: 3000 }, () => ({
        ...generator.next().event,
        event_time: minuteAgo,
      }));
      await producer.send(
        config.topics.events,
        events.map((e) => ({ key: e.key, value: codecs.event.encode(e) })),
      );
      await producer.send(config.topics.events, [{ key: 'bad', value: Buffer.from('not avro') }]);
      const stats = () => client.published('stats').map((m) => m.data as unknown as PipelineStats);
      await waitUntil(
        () =>
          stats().some(
            (s) => s.deadLetters === 1 && s.lagTotal === 0 && s.lag.length === config.topics.partitions,
          ),
        'a sample after the backlog drained and committed',
        15_000,
      );
      const all = stats();
      const busy = all.find((s) => s.eventsOutPerSec > 0)!;
      expect(busy).toMatchObject({ maxBatchSize: 512, maxInFlight: 5000, paused: false });
      expect(busy.batchSize).toBeGreaterThan(0);
      expect(busy.p99Ms).toBeGreaterThanOrEqual(busy.p50Ms);
      expect(busy.eventTimeP50Ms).toBeGreaterThanOrEqual(59_000);
      expect(busy.eventTimeP99Ms).toBeGreaterThanOrEqual(busy.eventTimeP50Ms);
      expect(busy.p99Ms).toBeLessThan(busy.eventTimeP50Ms);
      expect(all.reduce((n, s) => n + (s.eventsOutPerSec * s.intervalMs) / 1000, 0)).toBeCloseTo(3000, -2);
      const last = all.at(-1)!;
      expect(last.lag.map((p) => p.partition).sort()).toEqual([0, 1, 2, 3]);
      expect(last.lag.reduce((n, p) => n + p.end, 0)).toBe(3001);
      expect(last.lag.every((p) => p.committed === p.end)).toBe(true);
      const seqs = client.seqs.get('stats')!;
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    } finally {
      client.close();
      await pipeline.stop();
    }
  }, 30_000);
});
