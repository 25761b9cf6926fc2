import avro from 'avsc';
import { codecs } from '../../schemas/index.ts';

/**
 * The TransactionEvent schema with one field removed: a producer whose writer schema lacks a
 * required field. Its bytes must become a dead letter, never an event with a hole in it.
 */
export function eventSchemaWithout(field: string): avro.Type {
  const schema = codecs.event.type.schema() as { fields: Array<{ name: string }> };
  return avro.Type.forSchema({
    ...schema,
    fields: schema.fields.filter((f) => f.name !== field),
  } as avro.Schema);
}
