import { silentLogger } from '../core/logger.ts';
import { FRAUD_FEATURES, InferencePool } from '../processors/infer/index.ts';
import { generateEncodedEvents, measurePipeline } from './pipeline-bench.ts';
const pool = await InferencePool.create({ manifestPath: 'models/fraud/manifest.json', expectedFeatures: FRAUD_FEATURES, logger: silentLogger });
const events = generateEncodedEvents(300000);
for (let i = 0; i < 3; i++) console.log(await measurePipeline(pool, events, { maxBatchSize: 256 }));
await pool.close();
