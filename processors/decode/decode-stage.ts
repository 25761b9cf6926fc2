import type { SchemaRegistryClient } from '../../schemas/index.ts';
import type { RecordStage } from '../../streams/pipeline/index.ts';
import { newScoringItem, type ScoringItem } from '../scoring-item.ts';
import type { DecodeConfig } from './decode-config.ts';
import { createEventDecoder, prefetchWriterSchemas } from './decode-event.ts';

/**
 * The `decode` stage of the scoring topology: each consumed record's bytes to a validated event,
 * or a record error (see decode-event.ts). With a schema registry, each poll first fetches the
 * writer schemas it has not seen (the engine retries that while the registry is unreachable).
 */
export function decodeStage(config: DecodeConfig, registry?: SchemaRegistryClient): RecordStage<ScoringItem> {
  const decode = createEventDecoder(config, registry);
  return {
    id: 'decode',
    ...(registry ? { prepare: (records) => prefetchWriterSchemas(records, registry) } : {}),
    process(consumed, nowMs) {
      const event = decode(consumed.record, nowMs);
      return event instanceof Error ? event : newScoringItem(consumed, event);
    },
  };
}
