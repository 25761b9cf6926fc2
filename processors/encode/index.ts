export { DEAD_LETTER_OVERHEAD_BYTES, deadLetterRecord, toDeadLetter } from './dead-letter.ts';
export { type DeadLetterConfig, deadLetterConfigSchema } from './dead-letter-config.ts';
export { assertDeadLettersFit, deadLetterTopicSpec, maxDeadLetterBytes } from './dead-letter-room.ts';
export { predictionRecord, toPrediction } from './record-routing.ts';
export { propagatedTraceparent } from './trace-context.ts';
