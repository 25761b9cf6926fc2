export { configSchema, type SluiceConfig } from './config-schema.ts';
export { type LoadConfigOptions, loadConfig } from './load-config.ts';
