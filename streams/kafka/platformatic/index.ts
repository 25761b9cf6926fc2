export type { PlatformaticConsumer } from './platformatic-consumer.ts';
export type { PlatformaticProducer } from './platformatic-producer.ts';
export { PlatformaticTransport, type PlatformaticTransportOptions } from './platformatic-transport.ts';
export type { PlatformaticRecordMapper } from './record-mapping.ts';
