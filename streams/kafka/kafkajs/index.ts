export type { KafkajsConsumer } from './kafkajs-consumer.ts';
export type { KafkajsProducer } from './kafkajs-producer.ts';
export type { KafkajsTransactionalProducer } from './kafkajs-transactional-producer.ts';
export { KafkajsTransport, type KafkajsTransportOptions } from './kafkajs-transport.ts';
