import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../../core/free-port.ts';
import { replayDrift } from '../../loadtest/drift-replay.ts';
import { TransactionGenerator } from '../../models/generator/index.ts';
import { fraudBundle } from '../../processors/infer/index.ts';
import { newScoringItem, type ScoringItem } from '../../processors/scoring-item.ts';
import { codecs, type DriftReport } from '../../schemas/index.ts';
import type { ConsumedRecord } from '../../streams/index.ts';
import { startCli } from '../support/cli-process.ts';
import { testConfig } from '../support/embedded-harness.ts';
import {
  DEFAULT_KAFKA_CLIENT,
  decodePredictions,
  kafkaBrokers,
  openTransport,
  produceAll,
  readTopic,
  uniqueNames,
} from '../support/kafka-pipeline.ts';

const PARTITIONS = 4;
const WINDOWS = 8;
const RATE = 2000; // events per second of event time: 2,000 a window of 1 s
const EVENTS = WINDOWS * RATE;
// Windows close by idleness only (the grace outlasts the stream), so neither replica drops a late event.
const DRIFT = { windowMs: 1000, graceMs: 3_600_000, idleCloseMs: 1500, aggregator: { timeoutMs: 30_000 } };

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

/** The fraud store the processes read (the bundle's seed file), as the row writer takes it. */
function seedFeatures(): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const line of readFileSync('models/fraud/user-features.jsonl', 'utf8').split('\n')) {
    if (!line) continue;
    const { key, updated_at: _, ...features } = JSON.parse(line) as Record<string, number> & { key: string };
    out.set(key, features);
  }
  return out;
}

describe('drift across two replicas on the real broker', () => {
  it("the aggregator's reports equal, window by window, one process's reports of the same events and emitted scores", async () => {
    const names = uniqueNames('drift-replicas');
    const suffix = names.groupId.slice('sluice-'.length);
    const topics = {
      ...names.topics,
      driftPartials: `partials-${suffix}`,
      alerts: `alerts-${suffix}`,
      partitions: PARTITIONS,
    };
    const file = join(tmpdir(), `sluice-${suffix}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        transport: { kind: 'kafka', kafka: { brokers: kafkaBrokers(), client: DEFAULT_KAFKA_CLIENT } },
        topics,
        consumer: { groupId: names.groupId, commitIntervalMs: 200 },
        generator: { enabled: false },
        host: '127.0.0.1',
        status: { intervalMs: 0 },
        drift: DRIFT,
      }),
    );
    const ports = [await freePort(), await freePort()];
    const replicas = ports.map((port) => startCli(['--config', file], { SLUICE_PORT: String(port) }));
    onTestFinished(() => {
      for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    });
    // Both joined before the events flow: ready together for a while (a join rebalances the other).
    const deadline = Date.now() + 90_000;
    for (let together = 0; together < 5; ) {
      if (Date.now() > deadline || replicas.some((r) => r.child.exitCode !== null))
        throw new Error(
          `the replicas never became ready together:\n${replicas.map((r) => r.output()).join('\n')}`,
        );
      together = (await ready(ports[0]!)) && (await ready(ports[1]!)) ? together + 1 : 0;
      await sleep(300);
    }

    const generator = new TransactionGenerator({
      seed: 23,
      startTimeMs: Date.UTC(2025, 0, 6, 12),
      eventsPerSecond: RATE,
    });
    const generated = generator.take(EVENTS);
    const config = testConfig({
      transport: { kind: 'kafka', kafka: { brokers: kafkaBrokers(), client: DEFAULT_KAFKA_CLIENT } },
      topics,
    });
    const transport = await openTransport(config);
    onTestFinished(() => transport.close());
    await produceAll(
      transport,
      topics.events,
      generated.map(({ event }) => ({ key: event.key, value: codecs.event.encode(event) })),
    );
    const predictions = decodePredictions(await readTopic(transport, topics.predictions, EVENTS, 90_000));
    const reports = (await readTopic(transport, topics.drift, WINDOWS, 90_000)).map(
      (r) => codecs.driftReport.type.fromBuffer(r.value!) as DriftReport,
    );
    for (const r of replicas) r.child.kill('SIGTERM');
    expect(await Promise.all(replicas.map((r) => r.exited))).toEqual([0, 0]);
    // One of them aggregated, and every window merged partials from both.
    const logged = replicas
      .flatMap((r) => r.output().split('\n'))
      .filter((line) => line.includes('"msg":"drift report"'))
      .map((line) => JSON.parse(line) as { replicas: string[] });
    expect(logged).toHaveLength(WINDOWS);
    expect(logged.every((l) => l.replicas.length === 2)).toBe(true);
    expect(new Set(predictions.map((p) => p.event_id)).size).toBe(EVENTS);

    // One process: the same events, the rows the model saw and the scores as emitted, one tap.
    const { row } = fraudBundle();
    const store = seedFeatures();
    const byId = new Map(generated.map((g) => [g.event.event_id, g.event]));
    const items: ScoringItem[] = predictions.map((p) => {
      const event = byId.get(p.event_id)!;
      const consumed = {
        record: { topic: topics.events, partition: p.source_partition, offset: p.source_offset },
      } as unknown as ConsumedRecord;
      const item = newScoringItem(consumed, event, event.event_id, event.key, event.event_time);
      item.row = new Float32Array(row.width);
      row.write(event, store.get(event.key) ?? {}, item.row, 0);
      item.score = p.score;
      return item;
    });
    async function* inBatches() {
      for (let i = 0; i < items.length; i += 500) yield items.slice(i, i + 500);
    }
    const solo = await replayDrift(inBatches(), {
      drift: DRIFT,
      events: topics.events,
      partitions: PARTITIONS,
    });

    const byWindow = (list: DriftReport[]) => [...list].sort((a, b) => a.window_start - b.window_start);
    const merged = byWindow(reports);
    expect(merged.map((r) => r.window_start)).toEqual(byWindow(solo.reports).map((r) => r.window_start));
    expect(merged.every((r) => !r.partial && r.count === RATE && r.decided)).toBe(true);
    // Every input partition covered, by offsets from both replicas.
    expect(merged.every((r) => r.coverage.length === PARTITIONS)).toBe(true);
    expect(merged).toEqual(byWindow(solo.reports));
  }, 240_000);
});
