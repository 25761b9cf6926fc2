import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { codecs, type Prediction } from '../../schemas/index.ts';
import { freePort, runCliToExit, startCli } from '../support/cli-process.ts';
import {
  openConfluentTransport,
  pollUntil,
  RecordingListener,
  requireKafkaBrokers,
  uniqueName,
} from '../support/kafka-harness.ts';
import { sharedRedisUrl } from '../support/redis-server.ts';
import { waitForAsync } from '../support/wait-for.ts';

const READINGS = 600;

const cli = runCliToExit;

describe('the sensor example on a real broker and Redis', () => {
  it('loads its features, publishes its readings with sluice produce, and scores them by config alone', async () => {
    const brokers = requireKafkaBrokers().join(',');
    const redisUrl = sharedRedisUrl();
    const run = uniqueName('sensor');
    const dir = mkdtempSync(join(tmpdir(), 'sluice-sensor-'));
    const env = { KAFKA_BROKERS: brokers, REDIS_URL: redisUrl };

    // The example's own config, pointed at this run's topics, group and Redis keys; no replay.
    // biome-ignore lint/suspicious/noExplicitAny: the example's YAML, edited as a user would edit it
    const config = parseYaml(readFileSync('models/sensor/sluice.yaml', 'utf8')) as Record<string, any>;
    config.features.views.device.keyTemplate = `${run}:device:{key}`;
    config.generator = { enabled: false };
    config.topics = {
      events: `${run}-readings`,
      predictions: `${run}-scores`,
      deadLetters: `${run}-dlq`,
      drift: `${run}-drift`,
      partitions: 3,
    };
    config.consumer = { groupId: run };
    config.status = { intervalMs: 0 };
    const configFile = join(dir, 'sluice.yaml');
    writeFileSync(configFile, stringify(config));

    const loaded = await cli(
      ['features', 'load', 'models/sensor/device-features.jsonl', '--view', 'device', '--config', configFile],
      env,
    );
    expect(loaded.code, loaded.output).toBe(0);
    expect(loaded.output).toMatch(
      /loaded 117 rows into view "device" \(packed layout, keys sensor-.*:device:\{key\}\); 0 bad rows/,
    );

    // The first readings of the example file, with two broken lines among them.
    const lines = readFileSync('models/sensor/events.jsonl', 'utf8').trim().split('\n').slice(0, READINGS);
    const fresh = lines.map((line) => JSON.stringify({ ...JSON.parse(line), event_time: Date.now() - 1000 }));
    fresh.splice(
      10,
      0,
      '{"reading_id":"bad","device_id":"dev-0001","event_time":1,"temperature_c":"hot","vibration_mm_s":1,"pressure_kpa":1,"site":"x"}',
    );
    fresh.splice(20, 0, 'not json at all');
    const readings = join(dir, 'readings.jsonl');
    writeFileSync(readings, `${fresh.join('\n')}\n`);
    const produced = await cli(
      [
        'produce',
        '--schema',
        'models/sensor/sensor-reading.avsc',
        '--topic',
        config.topics.events,
        '--key-field',
        'device_id',
        '--config',
        configFile,
        readings,
      ],
      env,
    );
    expect(produced.code, produced.output).toBe(0);
    expect(produced.output).toContain(
      `bad line: ${readings}:11: field "temperature_c": "hot" is not a double`,
    );
    expect(produced.output).toContain(`bad line: ${readings}:21: not JSON`);
    expect(produced.output).toContain(`published ${READINGS} events to "${config.topics.events}"`);

    const port = await freePort();
    const server = startCli(['start', '--config', configFile], { ...env, SLUICE_PORT: String(port) });
    const transport = await openConfluentTransport();
    const redis = new Redis(redisUrl);
    let exitCode: number | null = null;
    try {
      // Started: it created its topics and joined its group.
      await waitForAsync(
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
        60_000,
        'sluice start to be ready',
      );
      const consumer = await transport.createConsumer({
        groupId: uniqueName('sensor-reader'),
        rebalance: new RecordingListener(),
        fromBeginning: true,
      });
      await consumer.subscribe([config.topics.predictions]);
      const records = await pollUntil(
        consumer,
        (r) => r.length >= READINGS,
        60_000,
        `${READINGS} predictions`,
      );
      await consumer.close();
      const predictions = records.map((r) => codecs.prediction.type.fromBuffer(r.value!) as Prediction);
      expect(new Set(predictions.map((p) => p.event_id)).size).toBe(READINGS);
      for (const p of predictions) {
        expect(p.model).toBe('sensor-anomaly');
        expect(p.label).toBeNull();
        expect(p.outputs).toEqual({});
        expect(Number.isFinite(p.score)).toBe(true);
        expect(isExampleDevice(p.key)).toBe(true);
      }
      // The features came from Redis: only devices the seed file lacks are flagged.
      const seeded = new Set(
        readFileSync('models/sensor/device-features.jsonl', 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).key),
      );
      for (const p of predictions) expect(p.features_missing.length === 0).toBe(seeded.has(p.key));
      const model = (await (await fetch(`http://127.0.0.1:${port}/model`)).json()) as {
        kind: string;
        scoreRange: number[];
      };
      expect(model).toMatchObject({ kind: 'regressor', scoreRange: [-0.2, 0.3] });

      // A prediction written with the schema of before (v1) still reads with the evolved one.
      const v1 = avro.Type.forSchema(JSON.parse(readFileSync('schemas/history/prediction.v1.avsc', 'utf8')));
      const { outputs: _none, ...older } = { ...predictions[0]!, label: 1 };
      const producer = await transport.createProducer();
      const oldTopic = `${run}-v1`;
      await transport.ensureTopics([{ topic: oldTopic, partitions: 1 }]);
      await producer.send(oldTopic, [{ key: older.key, value: v1.toBuffer(older) }]);
      await producer.close();
      const reader = await transport.createConsumer({
        groupId: uniqueName('v1-reader'),
        rebalance: new RecordingListener(),
        fromBeginning: true,
      });
      await reader.subscribe([oldTopic]);
      const [old] = await pollUntil(reader, (r) => r.length >= 1, 30_000, 'the v1 prediction');
      await reader.close();
      const read = codecs.prediction.type.fromBuffer(
        old!.value!,
        codecs.prediction.type.createResolver(v1),
      ) as Prediction;
      expect(read).toEqual({ ...older, outputs: {} });
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n--- sluice start output ---\n${server.output().slice(-3000)}`,
        { cause: error },
      );
    } finally {
      server.child.kill('SIGTERM');
      exitCode = await server.exited;
      const keys = await redis.keys(`${run}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await transport.close();
    }
    expect(exitCode, server.output().slice(-3000)).toBe(0);
  }, 120_000);
});

/** A device id of the example. */
function isExampleDevice(key: string): boolean {
  return /^dev-\d{4}$/.test(key);
}
