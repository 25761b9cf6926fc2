export { latestPerKey } from './latest-per-key.ts';
export { predictionFields } from './prediction-fields.ts';
export { RedisPredictionSink } from './redis-prediction-sink.ts';
export { type RedisSinkConfig, redisSinkConfigSchema } from './redis-sink-config.ts';
