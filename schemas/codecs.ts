import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import avro from 'avsc';
import type { DeadLetter, DriftReport, Prediction, TransactionEvent } from './records.ts';

const schemaDir = new URL('./', import.meta.url);

/** The parsed `.avsc` at `file`: absolute, or relative to schemas/ (Sluice's own records). Throws if unreadable or not JSON. */
function readSchema(file: string): avro.Schema {
  const path = isAbsolute(file) ? file : new URL(file, schemaDir);
  return JSON.parse(readFileSync(path, 'utf8')) as avro.Schema;
}

/**
 * Why an Avro body could not be read. `decode` returns it in place of a value: a class rather than
 * an `{ ok, value }` wrapper, so the common case allocates nothing beyond the value itself.
 */
export class DecodeFailure {
  readonly reason: 'not-avro' | 'trailing-bytes';
  readonly message: string;

  constructor(reason: 'not-avro' | 'trailing-bytes', message: string) {
    this.reason = reason;
    this.message = message;
  }
}

// Encoded batches are carved out of slabs this large, so a batch costs no allocation of its own.
const SLAB_BYTES = 256 * 1024;

/** An Avro binary codec for one record type. Built once at startup; `decode` never throws. */
export class AvroCodec<T> {
  readonly type: avro.Type;
  readonly schemaFile: string;
  #slab = Buffer.allocUnsafe(0);
  #slabUsed = 0;

  /** `schema` is the file's parsed content when the caller has read it already (it is read once). */
  constructor(schemaFile: string, schema: avro.Schema = readSchema(schemaFile)) {
    this.schemaFile = schemaFile;
    this.type = avro.Type.forSchema(schema);
  }

  encode(value: T): Buffer {
    return this.type.toBuffer(value);
  }

  /**
   * Encodes many values and returns a view per value, all carved out of a shared slab: per-record
   * `toBuffer` allocates, zero-fills and copies each time, which dominates the hot path. A slab
   * stays alive while any of its views does, so views are for records that are sent and dropped.
   */
  encodeBatch(values: readonly T[]): Buffer[] {
    const out = new Array<Buffer>(values.length);
    for (let i = 0; i < values.length; i++) {
      let end = this.type.encode(values[i], this.#slab, this.#slabUsed);
      if (end < 0) {
        // Out of room (avsc returns minus the bytes missing): a fresh slab, at least twice this value.
        const valueBytes = this.#slab.length - this.#slabUsed - end;
        this.#slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, valueBytes * 2));
        this.#slabUsed = 0;
        end = this.type.encode(values[i], this.#slab, 0);
      }
      out[i] = this.#slab.subarray(this.#slabUsed, end);
      this.#slabUsed = end;
    }
    return out;
  }

  /** Strict: the body must be consumed exactly, so a record written with another schema rarely slips through. */
  decode(bytes: Buffer, start = 0, resolver?: avro.Resolver): T | DecodeFailure {
    let result: { value: unknown; offset: number };
    try {
      result = this.type.decode(bytes, start, resolver);
    } catch (error) {
      return new DecodeFailure('not-avro', (error as Error).message);
    }
    if (result.offset < 0) {
      return new DecodeFailure(
        'not-avro',
        `truncated: ${bytes.length - start} bytes end before the record does`,
      );
    }
    if (result.offset !== bytes.length) {
      return new DecodeFailure(
        'trailing-bytes',
        `${bytes.length - result.offset} bytes left over after a complete record`,
      );
    }
    return result.value as T;
  }
}

/**
 * A schema file of the user's (an event contract, `sluice produce --schema`): its parsed JSON, as
 * written (logical types and docs kept, which the row compiler and the contract read), and its
 * codec, from one read. Throws the read, JSON or Avro error; callers name their config key or flag.
 */
export function readSchemaFile<T>(path: string): { schema: avro.Schema; codec: AvroCodec<T> } {
  const absolute = resolve(path);
  const schema = readSchema(absolute);
  return { schema, codec: new AvroCodec<T>(absolute, schema) };
}

/** Codecs of every record Sluice reads or writes, one instance per process. */
export const codecs = {
  event: new AvroCodec<TransactionEvent>('transaction-event.avsc'),
  prediction: new AvroCodec<Prediction>('prediction.avsc'),
  deadLetter: new AvroCodec<DeadLetter>('dead-letter.avsc'),
  driftReport: new AvroCodec<DriftReport>('drift-report.avsc'),
} as const;
