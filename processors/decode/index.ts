export { type DecodeConfig, decodeConfigSchema } from './decode-config.ts';
export { createEventDecoder } from './decode-event.ts';
