export type { EmbeddedConsumer } from './embedded-consumer.ts';
export type { EmbeddedProducer } from './embedded-producer.ts';
export { EmbeddedTransport, type EmbeddedTransportOptions } from './embedded-transport.ts';
