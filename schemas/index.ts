export { AvroCodec, codecs, type DecodeOutcome } from './codecs.ts';
export type * from './records.ts';
