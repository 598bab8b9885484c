// Minimal reproductions of what @platformatic/kafka 2.12.1 gets wrong, found while putting it behind
// libs/kafka's seam (issue 19). Run on any Apache Kafka (the dev stack's broker will do):
//   KAFKA_BROKERS=127.0.0.1:9092 node docs/platformatic-kafka/repro.mjs
// Each case prints "REPRODUCED: ..." or "not reproduced: ...".
/* global console */
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { setImmediate } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, Consumer, Producer, findErrorBy } from '@platformatic/kafka';

const bootstrapBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const suffix = `${process.pid}-${Date.now()}`;
const topic = `repro-${suffix}`;
const base = { clientId: `repro-${suffix}`, bootstrapBrokers, retries: 0 };

const admin = new Admin(base);
await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
await admin.close();

// 1. A second incarnation of a transactional id cannot begin a transaction: InitProducerId carries
//    producer id 0 and epoch 0 (not -1/-1), which the broker checks against the id's current
//    producer (KIP-360) and answers PRODUCER_FENCED. A restarted exactly-once worker never starts.
{
  const opts = { ...base, idempotent: true, transactionalId: `repro-txn-${suffix}` };
  const first = new Producer(opts);
  const t = await first.beginTransaction();
  await t.send({ messages: [{ topic, key: Buffer.from('k'), value: Buffer.from('v') }] });
  await t.commit();
  await first.close();
  const second = new Producer(opts);
  try {
    await second.beginTransaction();
    console.log('not reproduced: a restarted transactional producer began a transaction');
  } catch (err) {
    console.log(`REPRODUCED: restarted transactional producer: ${err.message} (${err.errors?.[0]?.apiId ?? ''})`);
    // 2. ... and after that failed begin, the producer is stuck: its transaction slot stays taken.
    try {
      await second.beginTransaction();
      console.log('not reproduced: a begin after a failed begin went through');
    } catch (err2) {
      console.log(`REPRODUCED: begin after a failed begin: ${err2.message}`);
    }
  }
  await second.close();
}

// 3. Concurrent Transaction.addOffset calls for different partitions are deduplicated under one
//    operation id ('commit'): only the first one's TxnOffsetCommit is sent, the others resolve with
//    it. The same offsets added one after another are all committed (the control).
async function commitOffsets(label, concurrently) {
  const groupId = `repro-group-${label}-${suffix}`;
  const consumer = new Consumer({ ...base, groupId, autocommit: false });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
  const producer = new Producer({
    ...base,
    idempotent: true,
    transactionalId: `repro-${label}-${suffix}`,
    producerId: -1n,
    producerEpoch: -1,
  });
  const t = await producer.beginTransaction();
  await t.send({
    messages: [
      { topic, partition: 0, value: Buffer.from('a') },
      { topic, partition: 1, value: Buffer.from('b') },
    ],
  });
  await t.addConsumer(consumer);
  const meta = {
    consumer: { groupId, memberId: consumer.memberId, generationId: consumer.generationId, coordinatorId: consumer.coordinatorId },
  };
  const add = (partition) => t.addOffset({ topic, partition, offset: 0n, metadata: meta });
  if (concurrently) await Promise.all([add(0), add(1)]);
  else for (const p of [0, 1]) await add(p);
  await t.commit();
  await stream.close();
  await producer.close();
  await consumer.close();
  const check = new Admin(base);
  const [group] = await check.listConsumerGroupOffsets({ groups: [{ groupId, topics: [{ name: topic, partitionIndexes: [0, 1] }] }] });
  await check.close();
  return (group?.topics[0]?.partitions ?? []).map((p) => `p${p.partitionIndex}=${p.committedOffset}`).join(' ');
}
const sequential = await commitOffsets('seq', false);
const concurrent = await commitOffsets('par', true);
console.log(
  sequential === concurrent
    ? `not reproduced: sequential ${sequential}, concurrent ${concurrent}`
    : `REPRODUCED: addOffset for partitions 0 and 1 (offset 1 each): one after another committed ${sequential}; concurrently ${concurrent}`,
);

// 4. After a rebalance the messages stream still hands over records of partitions the member just
//    lost: those fetched before it and not yet read are not dropped (the Java consumer drops them).
//    Meanwhile the partition's new owner starts from the committed offset, so both process them.
{
  const groupId = `repro-group-revoked-${suffix}`;
  const revokedTopic = `repro-revoked-${suffix}`;
  const setup = new Admin(base);
  await setup.createTopics({ topics: [revokedTopic], partitions: 2, replicas: 1 });
  await setup.close();
  const producer = new Producer(base);
  await producer.send({
    messages: [0, 1].flatMap((partition) =>
      Array.from({ length: 10 }, (_, i) => ({ topic: revokedTopic, partition, value: Buffer.from(`${partition}-${i}`) })),
    ),
  });
  await producer.close();
  const member = (clientId) =>
    new Consumer({ ...base, clientId, groupId, autocommit: false, heartbeatInterval: 500, sessionTimeout: 10_000 });
  const a = member(`repro-a-${suffix}`);
  const aStream = await a.consume({ topics: [revokedTopic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
  aStream.on('readable', () => undefined); // fetch, but read nothing yet
  while (new Set(aStream.readableBuffer?.map?.((m) => m.partition) ?? []).size < 2) await sleep(100);
  const joined = new Promise((resolve) => a.once('consumer:group:join', resolve));
  const b = member(`repro-b-${suffix}`);
  const bStream = await b.consume({ topics: [revokedTopic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
  await joined;
  const owned = new Set(a.assignments.flatMap((x) => x.partitions));
  const revoked = [];
  for (let m = aStream.read(); m !== null; m = aStream.read()) if (!owned.has(m.partition)) revoked.push(m);
  console.log(
    revoked.length > 0
      ? `REPRODUCED: after the rebalance (generation ${a.generationId}, owning ${[...owned]}) the stream handed over ` +
          `${revoked.length} records of partition ${revoked[0].partition}, fetched in generation ${revoked[0].metadata?.consumer?.generationId}`
      : `not reproduced: no record of a revoked partition was handed over (owning ${[...owned]})`,
  );
  await Promise.all([aStream.close(), bStream.close()]);
  await Promise.all([a.close(), b.close()]);
}

// 5. A read_committed consumer starts a partition from its committed offset read without
//    requireStable (OffsetFetch's flag is hard-coded false), so while a transaction holding newer
//    offsets for the group is still open it starts from the offset before them, and redoes what
//    that transaction commits. With requireStable the broker answers UNSTABLE_OFFSET_COMMIT until
//    the transaction ends (KIP-447; the Java consumer sets it when read_committed).
{
  const groupId = `repro-group-stable-${suffix}`;
  const stableTopic = `repro-stable-${suffix}`;
  const setup = new Admin(base);
  await setup.createTopics({ topics: [stableTopic], partitions: 1, replicas: 1 });
  const [coordinator] = await setup.findCoordinator({ keyType: 0, keys: [groupId] });
  const plain = new Producer(base);
  await plain.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic: stableTopic, partition: 0, value: Buffer.from(`${i}`) })) });
  await plain.close();
  const producer = new Producer({
    ...base,
    idempotent: true,
    transactionalId: `repro-stable-${suffix}`,
    producerId: -1n,
    producerEpoch: -1,
  });
  const t = await producer.beginTransaction();
  await t.addConsumer({ groupId });
  const consumerMeta = { groupId, memberId: '', generationId: -1, coordinatorId: coordinator.nodeId };
  await t.addOffset({ topic: stableTopic, partition: 0, offset: 4n, metadata: { consumer: consumerMeta } }); // commits 5, pending
  const stable = await setup
    .listConsumerGroupOffsets({ groups: [{ groupId, topics: [{ name: stableTopic, partitionIndexes: [0] }] }], requireStable: true })
    .then(
      () => 'answered',
      (err) => findErrorBy(err, 'apiId', 'UNSTABLE_OFFSET_COMMIT')?.apiId ?? err.message,
    );
  const consumer = new Consumer({ ...base, groupId, autocommit: false, isolationLevel: 'READ_COMMITTED' });
  const stream = await consumer.consume({ topics: [stableTopic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
  const [first] = await new Promise((resolve) => stream.once('data', (m) => resolve([m])));
  console.log(
    first.offset < 5n
      ? `REPRODUCED: with offset 5 pending in an open transaction (requireStable fetch: ${stable}), the consumer started at offset ${first.offset}`
      : `not reproduced: the consumer started at offset ${first.offset}`,
  );
  await stream.close();
  await consumer.close();
  await t.abort();
  await producer.close();
  await setup.close();
}

// 6. A refused SASL login is retried as a network error: the AuthenticationError (canRetry: false)
//    becomes the `cause` of a NetworkError (canRetry: true), and findErrorBy does not follow
//    `cause`, so the client logs in again with the same password `retries` times and nothing in the
//    chain it rejects with says "not retriable". Needs a SASL listener taking PLAIN or SCRAM-SHA-512
//    (KAFKA_SASL_BROKERS; TLS from KAFKA_TLS_CA_FILE, KAFKA_TLS_CERT_FILE, KAFKA_TLS_KEY_FILE when set).
if (process.env.KAFKA_SASL_BROKERS) {
  const { readFileSync } = await import('node:fs');
  const { findErrorBy, SASLMechanisms } = await import('@platformatic/kafka');
  const file = (name) => (process.env[name] ? readFileSync(process.env[name]) : undefined);
  const tls = process.env.KAFKA_TLS_CA_FILE
    ? { ca: file('KAFKA_TLS_CA_FILE'), cert: file('KAFKA_TLS_CERT_FILE'), key: file('KAFKA_TLS_KEY_FILE') }
    : undefined;
  const producer = new Producer({
    clientId: `repro-sasl-${suffix}`,
    bootstrapBrokers: process.env.KAFKA_SASL_BROKERS.split(','),
    ...(tls ? { tls } : {}),
    sasl: { mechanism: SASLMechanisms.SCRAM_SHA_512, username: process.env.KAFKA_SASL_USERNAME ?? 'nobody', password: 'wrong' },
    retries: 3,
    retryDelay: 10,
  });
  try {
    await producer.initIdempotentProducer({});
    console.log('not reproduced: a wrong password was accepted');
  } catch (err) {
    const attempts = err.message.match(/failed (\d+) times/)?.[1] ?? '1';
    const notRetriable = findErrorBy(err, 'canRetry', false);
    console.log(
      attempts !== '1' || !notRetriable
        ? `REPRODUCED: refused login tried ${attempts} times; a not-retriable error found in the chain: ${Boolean(notRetriable)}`
        : 'not reproduced: a refused login failed at once, not retriable',
    );
  }
  await producer.close();
}

// 7. The consumer's generation and its assignment change at different times: generationId (and
//    memberId) from the JoinGroup response, assignments from the SyncGroup response that follows.
//    In between, the two belong to different generations: a member that hands records over in "its
//    generation" names the new one for partitions it owns only in the old (a TxnOffsetCommit naming
//    it is accepted once the group is in the new generation, whoever owns the partition then).
{
  const groupId = `repro-group-window-${suffix}`;
  const member = (clientId) =>
    new Consumer({ ...base, clientId, groupId, autocommit: false, heartbeatInterval: 200, sessionTimeout: 10_000 });
  const a = member(`repro-wa-${suffix}`);
  const aStream = await a.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
  aStream.on('data', () => undefined);
  let joinedGeneration = a.generationId;
  let seen;
  a.on('consumer:group:join', (payload) => (joinedGeneration = payload.generationId));
  let polling = true;
  const poll = () => {
    if (!seen && a.generationId !== joinedGeneration)
      seen = { generationId: a.generationId, joinedGeneration, partitions: a.assignments.flatMap((x) => x.partitions) };
    if (polling) setImmediate(poll);
  };
  poll();
  const rejoined = new Promise((resolve) => a.once('consumer:group:join', resolve));
  const b = member(`repro-wb-${suffix}`);
  const bStream = await b.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
  bStream.on('data', () => undefined);
  await rejoined;
  polling = false;
  console.log(
    seen
      ? `REPRODUCED: between JoinGroup and SyncGroup the consumer said generation ${seen.generationId} with the ` +
          `assignment of generation ${seen.joinedGeneration} (partitions ${seen.partitions}); after it: ${a.assignments.flatMap((x) => x.partitions)}`
      : 'not reproduced: generation and assignment changed together',
  );
  await Promise.all([aStream.close(), bStream.close()]);
  await Promise.all([a.close(), b.close()]);
}

// 8. A partition the member gets back without a committed offset resumes from where its stream
//    was when it lost it, not from the fallback (earliest): on a join the stream rewinds only to
//    committed offsets. The records before that position were never committed by anyone.
{
  const groupId = `repro-group-position-${suffix}`;
  const positionTopic = `repro-position-${suffix}`;
  const setup = new Admin(base);
  await setup.createTopics({ topics: [positionTopic], partitions: 2, replicas: 1 });
  await setup.close();
  const producer = new Producer(base);
  await producer.send({
    messages: [0, 1].flatMap((partition) =>
      Array.from({ length: 10 }, (_, i) => ({ topic: positionTopic, partition, value: Buffer.from(`${partition}-${i}`) })),
    ),
  });
  await producer.close();
  const member = (clientId) =>
    new Consumer({ ...base, clientId, groupId, autocommit: false, heartbeatInterval: 200, sessionTimeout: 10_000 });
  const a = member(`repro-pa-${suffix}`);
  const aStream = await a.consume({ topics: [positionTopic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
  const read = [];
  aStream.on('data', (m) => read.push(m));
  while (read.length < 20) await sleep(50); // both partitions read to the end; nothing committed
  const split = new Promise((resolve) => a.once('consumer:group:join', resolve));
  const b = member(`repro-pb-${suffix}`);
  const bStream = await b.consume({ topics: [positionTopic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
  await split;
  const kept = a.assignments.flatMap((x) => x.partitions);
  const lost = [0, 1].find((p) => !kept.includes(p));
  const back = new Promise((resolve) => a.once('consumer:group:join', resolve));
  await bStream.close();
  await b.close(); // leaves: the partition comes back to a
  await back;
  read.length = 0;
  await sleep(2000);
  const again = read.filter((m) => m.partition === lost).length;
  console.log(
    again === 0
      ? `REPRODUCED: partition ${lost}, back without a committed offset, resumed at offset ` +
          `${aStream.offsetsToFetch.get(`${positionTopic}:${lost}`)} (fallback earliest: 0); its 10 records were not delivered again`
      : `not reproduced: partition ${lost} was read again from the start (${again} records)`,
  );
  await aStream.close();
  await a.close();
}
