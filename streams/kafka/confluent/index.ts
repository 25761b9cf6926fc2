export type { ConfluentConsumer } from './confluent-consumer.ts';
export type { ConfluentProducer } from './confluent-producer.ts';
export { ConfluentTransport, type ConfluentTransportOptions } from './confluent-transport.ts';
export { loadRdKafka } from './load-rdkafka.ts';
export { DEFAULT_ASSIGNOR } from './rdkafka-config.ts';
