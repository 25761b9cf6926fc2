import type { SchemaRegistryClient } from '../../schemas/index.ts';
import type { RecordStage } from '../../streams/pipeline/index.ts';
import { newScoringItem, type ScoringItem } from '../scoring-item.ts';
import type { DecodeConfig } from './decode-config.ts';
import { createEventDecoder, prefetchWriterSchemas } from './decode-event.ts';
import type { EventContract } from './event-contract.ts';

/**
 * The `decode` stage of the scoring topology: each consumed record's bytes to an event of the
 * contract, validated, or a record error (see decode-event.ts); the item carries the event's id,
 * key and time as the contract names them. With a schema registry, each poll first fetches the
 * writer schemas it has not seen (the engine retries that while the registry is unreachable).
 */
export function decodeStage(
  contract: EventContract,
  config: DecodeConfig,
  registry?: SchemaRegistryClient,
): RecordStage<ScoringItem> {
  const decode = createEventDecoder(contract, config, registry);
  const { idField, keyField, timeField } = contract;
  return {
    id: 'decode',
    ...(registry ? { prepare: (records) => prefetchWriterSchemas(records, registry) } : {}),
    process(consumed, nowMs) {
      const event = decode(consumed.record, nowMs);
      if (event instanceof Error) return event;
      const fields = event as Record<string, unknown>;
      return newScoringItem(
        consumed,
        event,
        fields[idField] as string,
        fields[keyField] as string,
        fields[timeField] as number,
      );
    },
  };
}
