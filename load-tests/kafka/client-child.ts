/**
 * One variant's raw Kafka parts of bench:kafka's client comparison, in a process of its own
 * (clients-bench.ts starts it with client-hooks.ts preloaded): produce, consume, consume -> produce
 * and latency at a fixed rate, each driving the library directly with the services' settings.
 * `KAFKA_CLIENT=platformatic` runs @platformatic/kafka; otherwise kafkajs, whichever build
 * client-hooks.ts resolved. Input: one JSON argument (ChildInput). Output: one JSON line (ChildOutput).
 */
import { Kafka, logLevel } from 'kafkajs';
import { runBarePipe } from './bare-pipe.js';
import { pacedLatency, peakRssMb, type PacedResult } from './fixed-rate.js';
import { kafkajsConsume, kafkajsProduce, type KafkajsRate } from './kafkajs-perf.js';
import {
  consumeFromStart,
  platformaticConsume,
  platformaticConsumer,
  platformaticPipe,
  platformaticProduce,
  platformaticProducer,
} from './platformatic-perf.js';
import { runnerConsumerConfig } from './bare-pipe.js';

export interface ChildInput {
  readonly brokers: readonly string[];
  readonly kafkaPids: readonly number[];
  readonly partitions: number;
  readonly recordSize: number;
  readonly sendSize: number;
  /** A topic of `backlogRecords` records written beforehand, the same for every variant. */
  readonly backlog: string;
  readonly backlogRecords: number;
  readonly produceTopic: string;
  readonly produceRecords: number;
  readonly pipeOutput: string;
  readonly latencyTopic: string;
  readonly latencyRate: number;
  readonly latencySeconds: number;
  /** Unique per run: group ids are built from it. */
  readonly tag: string;
}

/** A part's rate with the client's and Kafka's CPU per record, in microseconds. */
export interface PartFigures {
  readonly msgsPerS: number;
  readonly cpuUsPerMsg: number;
  readonly kafkaCpuUsPerMsg: number;
}

export interface ChildOutput {
  readonly produce: PartFigures;
  readonly consume: PartFigures;
  readonly pipe: PartFigures;
  readonly latency: PacedResult;
  readonly rssPeakMb: number;
}

const figures = (r: KafkajsRate): PartFigures => ({
  msgsPerS: r.msgsPerS,
  cpuUsPerMsg: ((r.cpu.shares['client'] ?? r.cpu.shares['pipe'] ?? NaN) * 1e6) / r.msgsPerS,
  kafkaCpuUsPerMsg: ((r.cpu.shares['kafka'] ?? NaN) * 1e6) / r.msgsPerS,
});

async function kafkajsParts(input: ChildInput): Promise<Omit<ChildOutput, 'rssPeakMb'>> {
  const kafka = new Kafka({
    brokers: [...input.brokers],
    clientId: `bench-clients-${input.tag}`,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 200, retries: 8 },
  });
  const kafkaPids = input.kafkaPids;
  const produce = await kafkajsProduce({
    kafka,
    topic: input.produceTopic,
    records: input.produceRecords,
    recordSize: input.recordSize,
    sendSize: input.sendSize,
    warmupRecords: Math.round(input.produceRecords / 10),
    kafkaPids,
  });
  const consume = await kafkajsConsume({
    kafka,
    topic: input.backlog,
    records: input.backlogRecords,
    groupId: `c-${input.tag}`,
    kafkaPids,
  });
  const pipe = await runBarePipe({
    kafka,
    input: input.backlog,
    output: input.pipeOutput,
    records: input.backlogRecords,
    groupId: `p-${input.tag}`,
    warmupRecords: Math.round(input.backlogRecords / 10),
    kafkaPids,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const consumer = kafka.consumer(runnerConsumerConfig(`l-${input.tag}`));
  await producer.connect();
  try {
    const latency = await pacedLatency({
      rate: input.latencyRate,
      seconds: input.latencySeconds,
      recordSize: input.recordSize,
      send: async (values) => {
        await producer.send({ topic: input.latencyTopic, acks: -1, messages: values.map((value) => ({ value })) });
      },
      start: async (onValue) => {
        await consumer.connect();
        await consumer.subscribe({ topic: input.latencyTopic, fromBeginning: true });
        await consumer.run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) if (m.value) onValue(m.value);
          },
        });
      },
    });
    return { produce: figures(produce), consume: figures(consume), pipe: figures(pipe), latency };
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}

async function platformaticParts(input: ChildInput): Promise<Omit<ChildOutput, 'rssPeakMb'>> {
  const target = { brokers: input.brokers, clientId: `bench-clients-${input.tag}`, kafkaPids: input.kafkaPids };
  const produce = await platformaticProduce({
    ...target,
    topic: input.produceTopic,
    partitions: input.partitions,
    records: input.produceRecords,
    recordSize: input.recordSize,
    sendSize: input.sendSize,
    warmupRecords: Math.round(input.produceRecords / 10),
  });
  const consume = await platformaticConsume({ ...target, topic: input.backlog, records: input.backlogRecords, groupId: `c-${input.tag}` });
  const pipe = await platformaticPipe({
    ...target,
    input: input.backlog,
    output: input.pipeOutput,
    records: input.backlogRecords,
    groupId: `p-${input.tag}`,
    warmupRecords: Math.round(input.backlogRecords / 10),
  });
  const producer = platformaticProducer(target);
  const consumer = platformaticConsumer(target, `l-${input.tag}`);
  let partition = 0;
  try {
    const latency = await pacedLatency({
      rate: input.latencyRate,
      seconds: input.latencySeconds,
      recordSize: input.recordSize,
      send: async (values) => {
        await producer.send({
          messages: values.map((value) => ({ topic: input.latencyTopic, partition: partition++ % input.partitions, value })),
        });
      },
      start: async (onValue) => {
        const stream = await consumeFromStart(consumer, input.latencyTopic, 1000);
        stream.on('data', (m: { value: Buffer }) => onValue(m.value));
      },
    });
    return { produce: figures(produce), consume: figures(consume), pipe: figures(pipe), latency };
  } finally {
    await consumer.close(true);
    await producer.close();
  }
}

const input = JSON.parse(process.argv[2]!) as ChildInput;
const parts = process.env['KAFKA_CLIENT'] === 'platformatic' ? await platformaticParts(input) : await kafkajsParts(input);
console.log(JSON.stringify({ ...parts, rssPeakMb: peakRssMb() } satisfies ChildOutput));
process.exit(0);
