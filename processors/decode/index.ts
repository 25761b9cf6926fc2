export { type DecodeConfig, decodeConfigSchema } from './decode-config.ts';
export { createEventDecoder, prefetchWriterSchemas } from './decode-event.ts';
export { decodeStage } from './decode-stage.ts';
export { defaultEventContract, type EventContract, loadEventContract } from './event-contract.ts';
export {
  DEFAULT_EVENT_SCHEMA,
  type EventFieldRule,
  type EventsConfig,
  eventsConfigSchema,
  MOVED_DECODE_KEYS,
} from './events-config.ts';
