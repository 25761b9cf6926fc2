export { configSchema, type SluiceConfig } from './config-schema.ts';
export { loadConfig, type LoadConfigOptions } from './load-config.ts';
