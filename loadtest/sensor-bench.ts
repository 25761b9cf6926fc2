import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema } from '../app/config/index.ts';
import { loadConfiguredModel } from '../app/configured-model.ts';
import { silentLogger } from '../core/logger.ts';
import { InferencePool } from '../processors/infer/index.ts';
import { type BenchModel, measurePipeline } from './pipeline-bench.ts';

/** The sensor example (models/sensor) as the pipeline bench runs it: its config, bundle, model and readings. */
export interface SensorBench {
  pool: InferencePool;
  measure(batch: { maxBatchSize: number }): ReturnType<typeof measurePipeline>;
  close(): Promise<void>;
}

/**
 * `count` Avro readings (the example file's, cycled, each with its own id and a recent time) and
 * the example's bundle, loaded from `models/sensor/sluice.yaml` as `npm start` loads it.
 */
export async function sensorBench(count: number): Promise<SensorBench> {
  const file = parseYaml(readFileSync('models/sensor/sluice.yaml', 'utf8')) as Record<string, unknown>;
  const sections = { ...file, generator: { enabled: false } };
  const { contract, bundle, features } = loadConfiguredModel(configSchema.parse(sections));
  const pool = await InferencePool.create({
    manifestPath: bundle.manifest.manifestPath,
    manifest: bundle.manifest,
    logger: silentLogger,
  });
  const lines = readFileSync('models/sensor/events.jsonl', 'utf8').trim().split('\n');
  const now = Date.now() - 3_600_000;
  const events = Array.from({ length: count }, (_, i) => {
    const reading = JSON.parse(lines[i % lines.length]!) as Record<string, unknown>;
    const event = { ...reading, reading_id: `b-${i}`, event_time: now + i };
    return { key: reading.device_id as string, value: contract.codec.encode(event) };
  });
  const model: BenchModel = {
    config: { ...sections, features },
    contract,
    featureView: bundle.featureView,
    vector: bundle.row,
  };
  return {
    pool,
    measure: (batch) => measurePipeline(pool, events, batch, model),
    close: () => pool.close(),
  };
}
