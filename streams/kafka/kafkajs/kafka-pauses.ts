import type { Consumer } from 'kafkajs';
import type { Logger } from '../../../core/logger.ts';
import { partitionId, type TopicPartition } from '../../types.ts';

/**
 * The partitions the bridge paused inside kafkajs (so its fetches skip them). kafkajs keeps a
 * pause across rejoins, while the engine's pauses end with the assignment: so every join resumes
 * them all (`resumeAll`), and a crash, after which kafkajs starts over unpaused, forgets them.
 */
export class KafkaPauses {
  readonly #consumer: Pick<Consumer, 'pause' | 'resume'>;
  readonly #logger: Logger;
  readonly #paused = new Map<string, TopicPartition>();

  constructor(consumer: Pick<Consumer, 'pause' | 'resume'>, logger: Logger) {
    this.#consumer = consumer;
    this.#logger = logger;
  }

  pause(tp: TopicPartition): void {
    const key = partitionId(tp.topic, tp.partition);
    if (this.#paused.has(key)) return;
    this.#paused.set(key, { topic: tp.topic, partition: tp.partition });
    this.#call('pause', () => this.#consumer.pause(byTopic([tp])));
  }

  /** Resumes those of `tps` paused inside kafkajs; the others were never fetched past. */
  resume(tps: readonly TopicPartition[]): void {
    const paused = tps.filter((tp) => this.#paused.delete(partitionId(tp.topic, tp.partition)));
    if (paused.length > 0) this.#call('resume', () => this.#consumer.resume(byTopic(paused)));
  }

  resumeAll(): void {
    if (this.#paused.size === 0) return;
    const paused = [...this.#paused.values()];
    this.#paused.clear();
    this.#call('resume', () => this.#consumer.resume(byTopic(paused)));
  }

  forget(): void {
    this.#paused.clear();
  }

  #call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      // kafkajs refuses while it restarts after a crash; the restarted consumer starts unpaused.
      this.#logger.debug({ err: error }, `kafka consumer ${what} failed`);
    }
  }
}

function byTopic(tps: readonly TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  const out = new Map<string, number[]>();
  for (const { topic, partition } of tps) {
    const list = out.get(topic);
    if (list) list.push(partition);
    else out.set(topic, [partition]);
  }
  return [...out].map(([topic, partitions]) => ({ topic, partitions }));
}
