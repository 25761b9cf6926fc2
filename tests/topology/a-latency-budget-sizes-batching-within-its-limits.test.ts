import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { PipelineStats } from '../../app/pipeline-stats.ts';
import { runPipeline } from '../../app/run-pipeline.ts';
import { silentLogger } from '../../core/logger.ts';
import { TransactionGenerator } from '../../models/generator/index.ts';
import { codecs } from '../../schemas/index.ts';
import { EmbeddedTransport } from '../../streams/embedded/index.ts';
import { readPredictions, testConfig } from '../support/embedded-harness.ts';
import { TestClient, waitUntil } from '../support/live-server-harness.ts';

describe('batch.latencyBudgetMs', () => {
  const transport = new EmbeddedTransport();
  afterAll(() => transport.close());

  it('lets the controller move the batch size and in-flight bound within their limits, shows it, and loses nothing', async () => {
    const config = testConfig({
      port: 0,
      host: '127.0.0.1',
      generator: { enabled: false },
      status: { intervalMs: 0 },
      drift: { enabled: false },
      // A generous budget, so a backlog always makes room to grow, however loaded the machine.
      batch: { latencyBudgetMs: 2000, minBatchSize: 8, maxBatchSize: 512, controlIntervalMs: 100 },
      consumer: { maxInFlight: 3000 },
    });
    const pipeline = await runPipeline(config, silentLogger, { transport });
    const client = await TestClient.connect(pipeline.server.port);
    try {
      await client.subscribe('stats');
      const generator = new TransactionGenerator({ seed: 11 });
      const events = Array.from({ length: 40_000 }, () => generator.next().event);
      const producer = await transport.createProducer();
      // 2,000 events every 50 ms for 2 s: long enough for the stats channel to sample it.
      for (let from = 0; from < events.length; from += 2000) {
        await producer.send(
          config.topics.events,
          events.slice(from, from + 2000).map((e) => ({ key: e.key, value: codecs.event.encode(e) })),
        );
        await sleep(50);
      }
      await waitUntil(() => readPredictions(transport).length >= events.length, 'every prediction', 60_000);
      const metrics = await (await fetch(`http://127.0.0.1:${pipeline.server.port}/metrics`)).text();
      const stats = client.published('stats').map((m) => m.data as unknown as PipelineStats);

      const predictions = readPredictions(transport);
      expect(new Set(predictions.map((p) => p.event_id)).size).toBe(events.length);
      expect(predictions).toHaveLength(events.length);
      expect(stats.length).toBeGreaterThan(0);
      for (const s of stats) {
        expect(s.maxBatchSize).toBeGreaterThanOrEqual(8);
        expect(s.maxBatchSize).toBeLessThanOrEqual(512);
        expect(s.maxInFlight).toBeLessThanOrEqual(3000);
        expect(s.maxInFlight).toBeGreaterThanOrEqual(s.maxBatchSize);
      }
      // The bounds in use are the controller's (a depth of three batches), not the configured 3,000.
      expect(stats.every((s) => s.maxInFlight <= 3 * s.maxBatchSize)).toBe(true);
      const limit = /^sluice_batch_size_limit\{topology="scoring"\} (\d+)$/m.exec(metrics);
      expect(limit).not.toBeNull();
      expect(Number(limit![1])).toBeGreaterThanOrEqual(8);
      expect(metrics).toMatch(/^sluice_inflight_limit\{topology="scoring"\} \d+$/m);
      expect(metrics).toMatch(/^sluice_concurrent_batches_limit\{topology="scoring"\} 2$/m);
    } finally {
      client.close();
      await pipeline.stop();
    }
  }, 90_000);
});
