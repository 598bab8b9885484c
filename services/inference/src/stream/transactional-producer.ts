import { Partitioners, type Kafka, type Producer } from 'kafkajs';

/**
 * The producer of exactly-once mode. `transactionalId` must be stable for a worker across
 * restarts: initializing it fences the previous incarnation and aborts its open transaction,
 * so a crashed worker's half-written batch never becomes visible to read-committed readers.
 */
export async function connectTransactionalProducer(kafka: Kafka, transactionalId: string): Promise<Producer> {
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // murmur2 like the service's producer: a prediction lands on the partition its entity key maps to.
    createPartitioner: Partitioners.DefaultPartitioner,
    // An idempotent producer keeps retrying (kafkajs's rule): fewer retries could reorder or lose a batch.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
  });
  await producer.connect();
  return producer;
}
