import { murmur2, toPositive } from '../../murmur2.ts';
import type { OutgoingRecord } from '../../types.ts';
import { RecordRun } from './record-batch-writer.ts';

/** One partition's share of a send: what Sluice's producer hands the client as one message. */
export interface PartitionRun {
  topic: string;
  partition: number;
  value: RecordRun;
}

/**
 * Java's DefaultPartitioner for keyed records (murmur2 of the key's bytes, made positive, modulo the
 * partition count), so keys land where the other adapters and the embedded broker put them; keyless
 * records go round robin. One per producer: the round robin is its state.
 */
export class JavaCompatiblePartitioner {
  #next = 0;

  partition(record: OutgoingRecord, partitionCount: number): number {
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0)
        throw new Error(`record partition ${record.partition} is not a partition number`);
      return record.partition % partitionCount;
    }
    const key = record.key;
    if (key === null) return (this.#next++ & 0x7fffffff) % partitionCount;
    return toPositive(murmur2(typeof key === 'string' ? Buffer.from(key) : key)) % partitionCount;
  }
}

/** `records` of one topic grouped by partition, each group in call order: one message per partition. */
export function partitionRuns(
  topic: string,
  records: readonly OutgoingRecord[],
  partitionCount: number,
  partitioner: JavaCompatiblePartitioner,
): PartitionRun[] {
  const byPartition = new Array<OutgoingRecord[] | undefined>(partitionCount);
  for (const record of records) {
    const partition = partitioner.partition(record, partitionCount);
    const group = byPartition[partition];
    if (group) group.push(record);
    else byPartition[partition] = [record];
  }
  const runs: PartitionRun[] = [];
  for (let partition = 0; partition < partitionCount; partition++) {
    const group = byPartition[partition];
    if (group) runs.push({ topic, partition, value: new RecordRun(group) });
  }
  return runs;
}
