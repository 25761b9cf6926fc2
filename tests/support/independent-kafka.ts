import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import { kafkaBrokers } from './kafka-pipeline.ts';

/**
 * kafkajs clients of the test's own, independent of the adapter under test, for what the
 * transport interface does not offer: transactions held open or aborted, offsets set and records
 * deleted by admin.
 */
const kafka = () => new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });

export function independentAdmin(): Admin {
  return kafka().admin();
}

/** A transactional producer (idempotent, one request in flight, as transactions need). */
export function independentTransactionalProducer(transactionalId: string): Producer {
  return kafka().producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
}
