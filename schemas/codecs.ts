import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { DeadLetter, DriftReport, Prediction, TransactionEvent } from './records.ts';

const schemaDir = new URL('./', import.meta.url);

function loadType(file: string): avro.Type {
  const schema = JSON.parse(readFileSync(new URL(file, schemaDir), 'utf8')) as avro.Schema;
  return avro.Type.forSchema(schema);
}

/** Result of reading one Avro body: the value, or why the bytes do not fit the schema. */
export type DecodeOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; reason: 'not-avro' | 'trailing-bytes'; message: string };

/** An Avro binary codec for one record type. Built once at startup; `decode` never throws. */
export class AvroCodec<T> {
  readonly type: avro.Type;
  readonly schemaFile: string;
  /** Largest encoded size seen, to size batch buffers. */
  #bytesPerValue = 64;

  constructor(schemaFile: string) {
    this.schemaFile = schemaFile;
    this.type = loadType(schemaFile);
  }

  encode(value: T): Buffer {
    return this.type.toBuffer(value);
  }

  /**
   * Encodes many values into one shared allocation and returns a view per value: per-record
   * `toBuffer` allocates, zero-fills and copies each time, which dominates the hot path.
   */
  encodeBatch(values: readonly T[]): Buffer[] {
    const out = new Array<Buffer>(values.length);
    let buffer = Buffer.allocUnsafe(Math.max(256, values.length * this.#bytesPerValue * 2));
    let pos = 0;
    for (let i = 0; i < values.length; i++) {
      let end = this.type.encode(values[i], buffer, pos);
      if (end < 0) {
        // Out of room: the rest goes into a fresh buffer sized from what we have seen so far.
        buffer = Buffer.allocUnsafe(Math.max(-end * 2, (values.length - i) * this.#bytesPerValue * 2, 256));
        pos = 0;
        end = this.type.encode(values[i], buffer, pos);
      }
      out[i] = buffer.subarray(pos, end);
      this.#bytesPerValue = Math.max(this.#bytesPerValue, end - pos);
      pos = end;
    }
    return out;
  }

  /** Strict: the body must be consumed exactly, so a record written with another schema rarely slips through. */
  decode(bytes: Buffer, start = 0, resolver?: avro.Resolver): DecodeOutcome<T> {
    let result: { value: unknown; offset: number };
    try {
      result = this.type.decode(bytes, start, resolver);
    } catch (error) {
      return { ok: false, reason: 'not-avro', message: (error as Error).message };
    }
    if (result.offset < 0) {
      return {
        ok: false,
        reason: 'not-avro',
        message: `truncated: ${bytes.length - start} bytes end before the record does`,
      };
    }
    if (result.offset !== bytes.length) {
      return {
        ok: false,
        reason: 'trailing-bytes',
        message: `${bytes.length - result.offset} bytes left over after a complete record`,
      };
    }
    return { ok: true, value: result.value as T };
  }
}

/** Codecs of every record Sluice reads or writes, one instance per process. */
export const codecs = {
  event: new AvroCodec<TransactionEvent>('transaction-event.avsc'),
  prediction: new AvroCodec<Prediction>('prediction.avsc'),
  deadLetter: new AvroCodec<DeadLetter>('dead-letter.avsc'),
  driftReport: new AvroCodec<DriftReport>('drift-report.avsc'),
} as const;
