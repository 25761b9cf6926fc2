/** Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the Avro body. */
export const WIRE_MAGIC_BYTE = 0;
export const WIRE_HEADER_BYTES = 5;

/** What unframing found: the schema id and the body, or why the bytes are not framed. */
export type UnframeOutcome =
  | { ok: true; schemaId: number; body: Buffer }
  | { ok: false; reason: 'too-short' | 'bad-magic'; message: string };

export function frameWithSchemaId(schemaId: number, body: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(WIRE_HEADER_BYTES + body.length);
  framed[0] = WIRE_MAGIC_BYTE;
  framed.writeUInt32BE(schemaId, 1);
  body.copy(framed, WIRE_HEADER_BYTES);
  return framed;
}

export function unframe(bytes: Buffer): UnframeOutcome {
  if (bytes.length < WIRE_HEADER_BYTES) {
    return {
      ok: false,
      reason: 'too-short',
      message: `${bytes.length} bytes is shorter than the 5-byte Confluent header`,
    };
  }
  if (bytes[0] !== WIRE_MAGIC_BYTE) {
    return {
      ok: false,
      reason: 'bad-magic',
      message: `magic byte is ${bytes[0]}, expected ${WIRE_MAGIC_BYTE} (Confluent wire format)`,
    };
  }
  return { ok: true, schemaId: bytes.readUInt32BE(1), body: bytes.subarray(WIRE_HEADER_BYTES) };
}
