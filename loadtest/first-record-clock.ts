import { type ScoringParts, scoringTopology } from '../app/topologies/scoring.ts';
import type { Logger } from '../core/logger.ts';
import type { ScoringItem } from '../processors/scoring-item.ts';
import type { Transport } from '../streams/index.ts';
import { TopologyRuntime } from '../streams/pipeline/index.ts';

/**
 * The scoring topology, declared as the app declares it, with a clock on its decode stage: the
 * benches time a drain from the first record the topology fetched (group join and start-up are
 * not throughput, and a timer of the bench's own would fire late while the first polls hold the
 * main thread).
 */
export function timedScoringTopology(parts: ScoringParts & { transport: Transport; logger: Logger }): {
  topology: TopologyRuntime<ScoringItem>;
  firstRecordAtMs: () => number;
} {
  const declaration = scoringTopology(parts);
  const decode = declaration.decode;
  let first = 0;
  const topology = new TopologyRuntime<ScoringItem>(
    {
      ...declaration,
      decode: {
        ...decode,
        process(consumed, nowMs) {
          if (first === 0) first = consumed.ingestTimeMs;
          return decode.process(consumed, nowMs);
        },
      },
    },
    parts,
  );
  return { topology, firstRecordAtMs: () => first };
}
