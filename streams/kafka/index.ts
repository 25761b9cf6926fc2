export { createKafkaTransport } from './create-kafka-transport.ts';
export { type KafkaConfig, kafkaConfigSchema } from './kafka-config.ts';
