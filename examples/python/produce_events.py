"""Sends raw payment events to events.raw as Avro in the Confluent wire format.

An upstream team's producer: AvroSerializer against the schema registry, TopicNameStrategy
(subject `<topic>-value`), auto-registration off. `--register` registers the schema first, as an
upstream team's deployment step would; a schema the subject's compatibility level refuses stops
the producer with the registry's error (409 and why) before anything is sent.

Events come as JSON lines from `--events FILE` (or `-` for stdin); without it `--count` sample
events are generated. Each event gets a W3C `traceparent` header, so its prediction can be found
by trace id. One line per delivered event goes to stdout (`--json` for JSON lines).
"""

import argparse
import json
import secrets
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

REPO = Path(__file__).resolve().parents[2]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    p.add_argument("--schema-registry", default="http://127.0.0.1:8081")
    p.add_argument("--topic", default="events.raw")
    p.add_argument("--schema", default=str(REPO / "schemas" / "raw-payment-event.avsc"), help="writer schema file")
    p.add_argument("--register", action="store_true", help="register the schema under <topic>-value first")
    p.add_argument("--events", help="JSON lines of raw events ('-' for stdin)")
    p.add_argument("--count", type=int, default=10, help="sample events to generate when --events is not given")
    p.add_argument("--json", action="store_true", help="print one JSON line per delivered event")
    return p.parse_args()


def sample_events(count):
    run = uuid.uuid4().hex[:8]
    for i in range(count):
        yield {
            "event_id": f"py-{run}-{i}",
            "occurred_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "card_id": f"card-{i % 7}",
            "amount": round(5 + (i * 7.31) % 200, 2),
            "currency": "EUR",
            "merchant_id": f"m-{i % 13}",
            "merchant_category": "5411",
            "country": "DE",
            "channel": "ecom",
        }


def read_events(path):
    lines = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def main():
    args = parse_args()
    schema_text = Path(args.schema).read_text(encoding="utf-8")
    subject = f"{args.topic}-value"
    registry = SchemaRegistryClient({"url": args.schema_registry})
    if args.register:
        try:
            registered = registry.register_schema_full_response(subject, Schema(schema_text, "AVRO"))
        except SchemaRegistryError as err:
            # str(err) carries the registry's message: which earlier version and which field broke.
            print(f"schema refused for {subject}: {err}", file=sys.stderr)
            if args.json:
                refused = {"refused": subject, "http_status": err.http_status_code, "error_code": err.error_code}
                print(json.dumps({**refused, "message": err.error_message}))
            return 2
        print(f"registered {args.schema} as {subject} version {registered.version}, schema id {registered.schema_id}", file=sys.stderr)

    serialize = AvroSerializer(
        registry,
        schema_text,
        conf={"auto.register.schemas": False, "subject.name.strategy.type": "TOPIC"},
    )
    producer = Producer({"bootstrap.servers": args.bootstrap_servers, "enable.idempotence": True, "linger.ms": 5})
    failures = []

    def report(event, trace_id, value):
        schema_id = int.from_bytes(value[1:5], "big")

        def on_delivery(err, msg):
            if err is not None:
                failures.append((event["event_id"], err))
                print(f"not delivered: {event['event_id']}: {err}", file=sys.stderr)
                return
            line = {
                "event_id": event["event_id"],
                "partition": msg.partition(),
                "offset": msg.offset(),
                "schema_id": schema_id,
                "trace_id": trace_id,
            }
            print(json.dumps(line) if args.json else " ".join(f"{k}={v}" for k, v in line.items()), flush=True)

        return on_delivery

    events = read_events(args.events) if args.events else sample_events(args.count)
    for event in events:
        value = serialize(event, SerializationContext(args.topic, MessageField.VALUE))
        trace_id = secrets.token_hex(16)
        traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
        producer.produce(
            args.topic,
            key=event["card_id"].encode("utf-8"),  # events.raw keys are the card id as plain UTF-8
            value=value,
            headers=[("traceparent", traceparent)],
            on_delivery=report(event, trace_id, value),
        )
        producer.poll(0)
    remaining = producer.flush(30)
    if remaining or failures:
        print(f"{remaining} undelivered, {len(failures)} failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
