export { AvroCodec, codecs, DecodeFailure, readSchemaFile } from './codecs.ts';
export { frameWithSchemaId, type UnframeOutcome, unframe, WIRE_MAGIC_BYTE } from './confluent-wire-format.ts';
export type * from './records.ts';
export { SchemaRegistryClient, type SchemaRegistryOptions } from './schema-registry-client.ts';
export { Utf8Checker } from './utf8-check.ts';
