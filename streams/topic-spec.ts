import { SluiceError } from '../core/errors.ts';
import type { TopicSpec } from './types.ts';

/** Rejects a topic spec no transport can create: an empty name, a partition count that is not a whole number ≥ 1, a config that is not a string. */
export function validateTopicSpec({ topic, partitions, configs }: TopicSpec): void {
  if (typeof topic !== 'string' || topic.length === 0) {
    throw new SluiceError(
      'SLUICE_CONFIG_INVALID',
      `topic name must be a non-empty string, got ${JSON.stringify(topic)}`,
    );
  }
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new SluiceError(
      'SLUICE_CONFIG_INVALID',
      `topic "${topic}" needs a whole number of partitions ≥ 1, got ${partitions}`,
      { subject: topic },
    );
  }
  for (const [name, value] of Object.entries(configs ?? {})) {
    if (name.length === 0 || typeof value !== 'string') {
      throw new SluiceError(
        'SLUICE_CONFIG_INVALID',
        `topic "${topic}": config ${JSON.stringify(name)} needs a string value, got ${typeof value}`,
        { subject: topic },
      );
    }
  }
}
