export { DEAD_LETTER_OVERHEAD_BYTES, deadLetterRecord, toDeadLetter } from './dead-letter.ts';
export { type DeadLetterConfig, deadLetterConfigSchema } from './dead-letter-config.ts';
export {
  type DeadLetterEncoderOptions,
  deadLetterEncoder,
  type LiveDeadLetter,
} from './dead-letter-encoder.ts';
export { assertDeadLettersFit, deadLetterTopicSpec, maxDeadLetterBytes } from './dead-letter-room.ts';
export { type EncodeStageOptions, encodeStage } from './encode-stage.ts';
export { predictionRecord, toPrediction } from './record-routing.ts';
export { propagatedTraceparent } from './trace-context.ts';
export { TraceContextFilter } from './trace-context-filter.ts';
