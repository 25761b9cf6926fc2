import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../app/run-pipeline.ts';
import { silentLogger } from '../../core/logger.ts';
import { TransactionGenerator } from '../../models/generator/index.ts';
import type { DriftAlert } from '../../processors/drift/alerts/drift-alert.ts';
import { codecs, type DeadLetter, DecodeFailure, type DriftReport } from '../../schemas/index.ts';
import { EmbeddedTransport } from '../../streams/embedded/index.ts';
import type { InputRecord } from '../../streams/index.ts';
import { testConfig } from '../support/embedded-harness.ts';
import { TestClient } from '../support/live-server-harness.ts';

async function readTopic(transport: EmbeddedTransport, topic: string): Promise<InputRecord[]> {
  const consumer = await transport.createConsumer({
    groupId: `read-${topic}`,
    rebalance: { onAssigned() {}, onRevoked() {} },
  });
  await consumer.subscribe([topic]);
  const records: InputRecord[] = [];
  for (let empty = 0; empty < 3; ) {
    const batch = await consumer.poll(1000, 50);
    if (batch.length === 0) empty++;
    records.push(...batch);
  }
  await consumer.close();
  return records;
}

describe('drift end to end, on the embedded transport', () => {
  const transport = new EmbeddedTransport();
  afterAll(() => transport.close());

  it('a drifting stream brings drift reports and a raised alert to the drift and alerts channels and topics', async () => {
    const config = testConfig({
      port: 0,
      host: '127.0.0.1',
      generator: { enabled: false },
      status: { intervalMs: 0 },
      drift: {
        windowMs: 1000,
        graceMs: 0,
        idleCloseMs: 500,
        thresholds: { minEvents: 200 },
        aggregator: { timeoutMs: 3000 },
      },
    });
    const pipeline = await runPipeline(config, silentLogger, { transport });
    const client = await TestClient.connect(pipeline.server.port);
    try {
      await client.subscribe('drift');
      await client.subscribe('alerts');
      // Every event from the first on has the risky merchant mix: each decided window drifts.
      const generator = new TransactionGenerator({ seed: 11, drift: { atIndex: 0, kind: 'merchant-mix' } });
      const producer = await transport.createProducer();
      // Bad records on the partials topic become dead letters; the aggregator goes on.
      await producer.send(config.topics.driftPartials, [
        { key: 'x', value: Buffer.from('not json') },
        { key: 'y', value: Buffer.from('{"version":2}') },
        { key: 'z', value: null },
      ]);
      const deadline = Date.now() + 20_000;
      const published = <T>(channel: string) =>
        client.received
          .filter((m) => m.channel === channel && m.data !== undefined)
          .map((m) => m.data as unknown as T);
      const raised = () => published<DriftAlert>('alerts').some((a) => a.kind === 'drift');
      while (!raised() && Date.now() < deadline) {
        const now = Date.now();
        const records = generator.take(50).map(({ event }) => {
          event.event_time = now;
          return { key: event.key, value: codecs.event.encode(event) };
        });
        await producer.send(config.topics.events, records);
        await sleep(50);
      }
      await producer.close();
      expect(raised()).toBe(true);

      const liveReports = published<DriftReport>('drift');
      expect(liveReports.length).toBeGreaterThanOrEqual(2);
      const decided = liveReports.filter((r) => r.decided);
      expect(decided.length).toBeGreaterThanOrEqual(2);
      for (const report of decided) {
        expect(report.drifted).toBe(true);
        expect(report.columns.merchant_category!.drifted).toBe(true);
        // The input row the model was fed is watched too (merchant_risk follows the mix).
        expect(report.columns.merchant_risk!.drifted).toBe(true);
        expect(Number.isFinite(report.columns.amount!.metrics.ks_statistic)).toBe(true);
        expect(report.window_end - report.window_start).toBe(1000);
        expect(report.coverage.length).toBeGreaterThan(0);
        expect(report.model_version).toBe('1');
        expect(report.estimate?.predicted_positive_rate).toBeGreaterThanOrEqual(0);
      }
      const liveAlert = published<DriftAlert>('alerts').find((a) => a.kind === 'drift')!;
      expect(liveAlert).toMatchObject({ state: 'raised', model: 'fraud' });
      expect(liveAlert.column).toContain('merchant_category');

      const onTopic = (await readTopic(transport, config.topics.drift)).map((r) => {
        const report = codecs.driftReport.decode(r.value!);
        if (report instanceof DecodeFailure) throw new Error(report.message);
        return report;
      });
      for (const report of liveReports)
        expect(onTopic.map((r) => r.window_start)).toContain(report.window_start);
      const alerts = (await readTopic(transport, config.topics.alerts)).map(
        (r) => JSON.parse(r.value!.toString()) as DriftAlert,
      );
      expect(alerts).toContainEqual(liveAlert);

      const letters = (await readTopic(transport, config.topics.deadLetters)).map(
        (r) => codecs.deadLetter.type.fromBuffer(r.value!) as DeadLetter,
      );
      expect(letters.map((l) => [l.source_topic, l.error_class])).toEqual([
        [config.topics.driftPartials, 'SLUICE_DRIFT_PARTIAL_INVALID'],
        [config.topics.driftPartials, 'SLUICE_DRIFT_PARTIAL_INVALID'],
        [config.topics.driftPartials, 'SLUICE_DRIFT_PARTIAL_INVALID'],
      ]);
      expect(letters.map((l) => l.message).sort()).toEqual([
        'the record has no value',
        expect.stringMatching(/not JSON/),
        expect.stringMatching(/not a drift partial: model: /),
      ]);

      const metrics = await (await fetch(`http://127.0.0.1:${pipeline.server.port}/metrics`)).text();
      expect(metrics).toMatch(/^sluice_drift_detected\{topology="drift-aggregator"\} 1$/m);
      expect(metrics).toMatch(
        /^sluice_drift_psi\{topology="drift-aggregator",column="merchant_risk"\} [\d.e+-]+$/m,
      );
      expect(metrics).toMatch(/^sluice_drift_ks_pvalue\{topology="drift-aggregator",column="amount"\} /m);
      expect(metrics).toMatch(/^sluice_drift_share\{topology="drift-aggregator"\} /m);
    } finally {
      client.ws.close();
      await pipeline.stop();
    }
  }, 60_000);
});
