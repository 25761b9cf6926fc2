export { type DecodeConfig, decodeConfigSchema } from './decode-config.ts';
export { createEventDecoder, prefetchWriterSchemas } from './decode-event.ts';
export { decodeStage } from './decode-stage.ts';
